/**
 * Public surface of the NLP engine (pure: text in, analysis out; imports nothing else of the project).
 *
 *   const engine = await loadDefaultNlpEngine({ cacheDir, modelsDir });
 *   const a = await engine.analyze('where is my order #A12345?', { now: new Date(), products });
 */
export type {
  Analysis,
  AnalyzeHints,
  CatalogProduct,
  Entity,
  EntityType,
  IntentScore,
  LabelledExample,
  Language,
  ModelInfo,
  MoneyValue,
  NlpEngine,
  SegmentAnalysis,
  Sentiment,
  SentimentLabel,
} from './types';
export { OUT_OF_SCOPE } from './types';
export {
  loadDefaultNlpEngine,
  loadEngineFromModelDir,
  DEFAULT_ENGINE_CLASSIFIER_OPTIONS,
  DEFAULT_HOLDOUT,
  DEFAULT_INTENTS_FILE,
  DEFAULT_SENTIMENT_FILE,
  FROZEN_INTENT_TEST,
  type DefaultEngineOptions,
  type EmbeddingConfig,
} from './default';
export { createNlpEngine, type EngineParts } from './engine';
export { IntentClassifier, DEFAULT_CLASSIFIER_OPTIONS, type ClassifierOptions, type Embedder, type Prediction } from './classifier';
export { SentimentAnalyzer, lexiconSentiment, type SentimentExample } from './sentiment';
export { extractEntities, type EntityOptions } from './entities';
export { createTransformersEmbedder, findLocalModel, type EmbedderOptions } from './embeddings';
export { trainIntentModel, evaluateClassifier, type TrainedModel, type ModelEvaluation } from './training';
export { saveModel, loadModel, readModelMeta, hasModel, type ModelMeta } from './model-store';
export { readExamples, parseExamples, splitExamples, hashExamples } from './data-io';
export { evaluate, percentile, type EvalReport } from './metrics';
export { detectLanguage, identifyLanguage, languageEvidence, localeLanguage, messageLanguage, normalizeText, replyLanguage, tokenize, type LanguageIdentification, type MessageLanguage } from './text';
export { extractPreferences, matchCatalogue, ZH_GLOSSARY, type PreferenceStatement, type PreferenceVocabulary, type ContactChannel } from './preferences';
export { BUILT_IN_INTENTS, TOPIC_INTENTS, isBuiltInIntent, type BuiltInIntent } from './intents';
export { decideTurn, DEFAULT_CLARIFICATION_POLICY, type ClarificationPolicy, type TurnDecision, type RankedUnderstanding } from './clarification';
export { rejectionScores, rejectionTradeOff, REJECTION_SCORES, type RejectionScoreName, type OperatingPoint } from './rejection';
export { choosePolicy, measurePolicy, CLARIFICATION_COSTS, type PolicyOutcome } from './clarificationPolicy';
export {
  understandMessage,
  understandAnalysis,
  planAnalysis,
  analyzeHintsFor,
  signalsOf,
  asTasteIdioms,
  type MessageUnderstanding,
  type UnderstandingContext,
  type UnderstandingRule,
  type TurnIntent,
  type AnalysisPlan,
  type MessageSignals,
} from './understanding';
export { personalisationRequestIn, type PersonalisationRequest } from './personalisationConsent';
export { namesBillingProblem, reportsBillingProblem, type BillingReading } from './billingProblem';
export { conversationSentiment, expressesSentiment, needNamedBy, problemStatement, type UnderstoodMessage } from './conversation';
