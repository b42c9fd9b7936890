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
export { diversifyGreedy, type DiversifyOptions } from './diversify';
export { recommendWithPreferences, dislikedItems, likeMatching, type PreferenceRecommendOptions, type PreferenceSource, type PreferredRecommendation, type StatedPreferences, type StatedTaste } from './statedPreferences';
export { invertSpd, choleskyInPlace } from './linalg';
export type {
  AlgorithmName, CatalogItem, EventKind, EventWeights, Interaction, ModelInfo, Recommendation, RecommendationSource,
  RecommendOptions, Recommender, SimilarOptions, UserItem, ValueScale,
} from './types';
export { assembleRecommender, recommenderParts, type RecommenderParts, type ServingScaling } from './model';
export { serializeRecommender, deserializeRecommender, SnapshotError, SNAPSHOT_FORMAT_VERSION } from './snapshot';
export type { ItemScorer, ScorerState, UserRow } from './scorer';
// Storage, training from the database and serving (I/O around the pure core above).
export { RecommendationModelStore, DEFAULT_KEEP_VERSIONS, type ActivateOptions, type ModelPin, type ModelVersion, type PinAuthor, type SaveModelOptions, type SaveModelResult } from './store';
export { RecommendationTrainer, evaluateHoldout, trainingDataStamp, requestTrainingInOutbox, RECOMMENDATIONS_TRAIN_TOPIC, type TrainingOptions, type TrainingResult, type OfflineMetrics } from './training';
export { TrainingThread, TrainingThreadError, type TrainingThreadOptions } from './trainingThread';
export { packInteractions, unpackInteractions, runTraining, type PackedInteractions, type PortableTrainOptions, type TrainingRunInput, type TrainingRunOutput } from './trainingRun';
export { RecommendationService, type ProductCard, type ServedRecommendations, type RecommendationServiceOptions } from './service';
export { RedisModelActivations, MODEL_ACTIVATED_CHANNEL, type ModelActivationNotifier } from './activations';
export { RecommendationModelAdmin, type ModelActivationResult, type ModelUnpinResult, type RecommendationModelAdminOptions } from './admin';
