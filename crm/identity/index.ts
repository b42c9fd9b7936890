/** crm/identity: customer profiles, bulk identity resolution, merges with undo, the order-proof link, history. */
import type { Db } from '../db';
import { ApiKeyStore } from '../commerce/apiKeys';
import { EventIngest } from '../commerce/ingest';
import { CommerceStore } from '../commerce/store';
import { CustomerHistory } from './history';
import { IdentityLinker } from './linking';
import { ProfileStore } from './profiles';
import { CustomerSearch } from './search';

export { resolveCustomersBulk, identityKey, RETAIL_CUSTOMER_KIND } from './resolve';
export type { IdentityRef, ResolvedCustomers } from './resolve';
export { PERSONALISATION_PURPOSE, personalisationAllowed, personalisationAllowedFor } from './consent';
export { ProfileStore, consentChanges, AttributeError, AttributeInUseError, applyPatch, hasAttributeType, inferAttributeType } from './profiles';
export type { AttributeDefinition, CustomerProfile, ProfilePatch } from './profiles';
export { IdentityLinker, MergeError } from './linking';
export type { MergePreview, MergePreviewSide, MergeRequest, MergeResult, MergeSummary, MovedCounts, OrderProof, OrderProofResult } from './linking';
export { checkMergeable, planMerge } from './mergePlan';
export type { CustomerSnapshot, MergeConflict, MergePlan, MergeSnapshots } from './mergePlan';
export { CustomerHistory, HistoryCursorError, HISTORY_KINDS, encodeHistoryCursor, decodeHistoryCursor } from './history';
export { LearnedProfileStore } from './learnedProfiles';
export type { PendingLearning } from './learnedProfiles';
export { learnFrom, mergeLearnedProfiles, parseLearnedProfile, emptyLearnedProfile, sentimentTrend, learnedProfileSchema } from './learning';
export type { LearnedProfile, LearnedPreference, LearningOptions, MessageObservation, MessageSource, ObservedPreference, SentimentTrend } from './learning';
export { CustomerSearch } from './search';
export type { CustomerMatch, SearchScope } from './search';
export type { HistoryEntry, HistoryKind, HistoryPage, HistoryPosition, HistoryQuery } from './history';

/** The Customer 360 services on one database (to add to createCrm). */
export interface Customer360 {
  commerce: CommerceStore;
  events: EventIngest;
  apiKeys: ApiKeyStore;
  profiles: ProfileStore;
  linker: IdentityLinker;
  history: CustomerHistory;
  search: CustomerSearch;
}

export function createCustomer360(db: Db): Customer360 {
  return {
    commerce: new CommerceStore(db),
    events: new EventIngest(db),
    apiKeys: new ApiKeyStore(db),
    profiles: new ProfileStore(db),
    linker: new IdentityLinker(db),
    history: new CustomerHistory(db),
    search: new CustomerSearch(db),
  };
}
