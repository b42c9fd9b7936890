/** crm/understanding: what the bot understood of each inbound message, and intent labels learned from use. */
export { UnderstandingRecorder } from './recorder';
export type { ClarificationLabel, MessageUnderstandingRecord, StoredIntentLabel, StoredUnderstanding, UnderstandingOutcome } from './recorder';
