/**
 * Recommendations: implicit-feedback collaborative filtering (EASE by default; item-kNN and ALS
 * selectable), popularity / same-category fallbacks, serving-time filters and explanations.
 * Pure in-memory logic: callers pass plain arrays of interactions and catalogue items.
 */
export { trainRecommender, DEFAULT_ALGORITHM, type TrainOptions } from './model';
export { buildInteractionMatrix, DEFAULT_EVENT_WEIGHTS, type InteractionMatrix, type MatrixOptions } from './matrix';
export { DEFAULT_EASE_PARAMS, type EaseParams } from './ease';
export { DEFAULT_ITEM_KNN_PARAMS, type ItemKnnParams } from './itemKnn';
export { DEFAULT_ALS_PARAMS, type AlsParams } from './als';
export { invertSpd, choleskyInPlace } from './linalg';
export type {
  AlgorithmName, CatalogItem, EventKind, EventWeights, Interaction, ModelInfo, Recommendation, RecommendationSource,
  RecommendOptions, Recommender, SimilarOptions, UserItem, ValueScale,
} from './types';
