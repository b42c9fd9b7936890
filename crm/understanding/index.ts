/**
 * crm/understanding: what the bot understood and what it learns from. Owner of message_understandings,
 * intent_labels and intent_models. The recorder of each message's understanding and outcome; labels (agent corrections, ticket categories, clarification
 * choices), intent model versions with their retraining and activation, bot analytics. README.md.
 */
export { IntentLabelStore, NotACustomerMessageError, UnknownIntentError, type IntentLabelView, type LabelRequest, type LabellableMessage } from './labels';
export { IntentModelStore, DEFAULT_KEEP_INTENT_MODELS, type IntentModelPin, type IntentModelVersion, type SaveTrainedResult, type StoredDecision, type TrainedIntentModel } from './intentModels';
export { IntentModelAdmin, INTENT_MODEL_ACTIVATED_CHANNEL, type IntentModelActivation } from './admin';
export { IntentModelTrainer, type IntentTrainerOptions, type IntentTrainingResult } from './training';
export { IntentTrainingThread, IntentTrainingThreadError } from './trainingThread';
export { runIntentTraining, retrainingOptions, FROZEN_INTENT_SPLIT, type IntentTrainingInput, type IntentTrainingOutput } from './trainingRun';
export { packModelDir, unpackModelDir, type ModelBytes } from './modelBundle';
export { BotAnalytics, InvalidCursorError, CONFIDENCE_BINS, type BotOverview, type NotUnderstoodMessage, type NotUnderstoodPage } from './analytics';
export { UnderstandingRecorder } from './recorder';
export type { ClarificationLabel, MessageUnderstandingRecord, StoredIntentLabel, StoredUnderstanding, UnderstandingOutcome } from './recorder';
