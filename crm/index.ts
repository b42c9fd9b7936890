/** crm/: the domain and its storage. Knows no chat SDK and no dialog. */
import type { Db } from './db';
import { CustomerDirectory, Timeline } from './customers';
import { TranscriptStore } from './transcripts';
import { ConversationReferenceStore } from './conversationReferences';
import { StateDocumentStore } from './stateDocuments';
import { SessionService, UserService } from './users';
import { UnderstandingRecorder } from './understanding';

export { openDatabase, migrationsFolder, postgresConnectionString } from './db';
export type { Db, Tx, DbOrTx, Database, DatabaseOptions } from './db';
export * from './errors';
export { CustomerDirectory, Timeline } from './customers';
export type { ChannelIdentity, CustomerRecord, TimelineMessage, StoredMessage, InboundMessageKey } from './customers';
export { TranscriptStore, activityId, seqOfActivityId, isUniqueViolation } from './transcripts';
export type { StoredActivity, DirectLineConversation } from './transcripts';
export { ConversationReferenceStore } from './conversationReferences';
export type { ConversationReferenceDocument } from './conversationReferences';
export { StateDocumentStore } from './stateDocuments';
export { OutboxStore } from './outbox';
export type { OutboxRecord } from './outbox';
export { DeliveryLog } from './deliveries';
export type { DeliveryRecord } from './deliveries';
export type { StateDocument } from './stateDocuments';
export { UserService, SessionService, createUsers } from './users';
export type { UserView, SessionInfo, NewUser } from './users';
export { UnderstandingRecorder } from './understanding';
export type { ClarificationLabel, MessageUnderstandingRecord, StoredIntentLabel, StoredUnderstanding, UnderstandingOutcome } from './understanding';

/** The domain services, wired on one database. */
export interface Crm {
  customers: CustomerDirectory;
  timeline: Timeline;
  transcripts: TranscriptStore;
  references: ConversationReferenceStore;
  state: StateDocumentStore;
  /** Console users and their sign-in sessions. */
  users: UserService;
  sessions: SessionService;
  /** What the bot understood of each inbound message, and intent labels learned from use. */
  understanding: UnderstandingRecorder;
}

export function createCrm(db: Db): Crm {
  return {
    customers: new CustomerDirectory(db),
    timeline: new Timeline(db),
    transcripts: new TranscriptStore(db),
    references: new ConversationReferenceStore(db),
    state: new StateDocumentStore(db),
    users: new UserService(db),
    sessions: new SessionService(db),
    understanding: new UnderstandingRecorder(db),
  };
}
