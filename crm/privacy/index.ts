/** crm/privacy: what of a customer's words is kept, and what is masked before it is stored or logged. */
export { redactSensitive, maskForLog, passesLuhn, passesIbanCheck, MASK } from './redaction';
export { safeForLog, safeErrorForLog, safeErrorMessage, MESSAGE_TEXT_OMITTED } from './logSafety';
export type { LogSafetyOptions, SafeError } from './logSafety';
export { AuditLog, auditConditions, AUDIT_ACTIONS, AUDIT_ACTOR_ROLES, AUDIT_SOURCES, AUDIT_LIST_MAX, SYSTEM_ACTOR, auditedSearchQuery } from './audit';
export type { AuditAction, AuditActorRole, AuditSource, AuditEntry, AuditEntryInput, AuditFilters } from './audit';
export {
  RETENTION_KINDS,
  RETENTION_ACTIONS,
  DEFAULT_RETENTION_DAYS,
  retentionPolicyFromDays,
  retentionPolicyFromConfig,
  retentionCutoffs,
  hasExpired,
  describeRetention,
} from './retentionPolicy';
export type { RetentionKind, RetentionPolicy, RetentionCounts, RetentionReport } from './retentionPolicy';
export { RetentionService, ANONYMISED_SUBJECT } from './retention';
export type { RetentionRunOptions, RetentionRunReport } from './retention';
export { PrivacyRequests, PRIVACY_REQUEST_DUE_DAYS, OPEN_PRIVACY_STATUSES, PRIVACY_REQUEST_KINDS, PRIVACY_REQUEST_STATUSES, PRIVACY_REQUEST_SOURCES, dueDateFor } from './requests';
export type { PrivacyRequest, PrivacyRequestKind, PrivacyRequestStatus, PrivacyRequestSource } from './requests';
export { CustomerDataExport, renderSummary, countsOf, EXPORT_FORMAT } from './export';
export type { CustomerExportArchive, CustomerExportData } from './export';
export { CustomerErasure, TICKET_EVENT_KEPT_KEYS, ERASED_SUBJECT } from './erasure';
export type { ErasureReport, CustomerRedisPurger, RedisPurgeTarget } from './erasure';
export { CUSTOMER_DATA_TABLES, footprintOf } from './customerData';
export type { TableHandling, CustomerFootprint } from './customerData';
export { Tombstones, tombstoneHash, normaliseHandle, ErasedCustomerError } from './tombstones';
export type { Handle } from './tombstones';
export { EncryptedArchiveStore, resolveArchiveKey, parseArchiveKey, sealArchive, openArchive, ArchiveUnreadableError } from './archives';
export { RedisCustomerPurge, jobConcerns, customerRedisKeyPrefixes } from './redisPurge';
export type { RedisKeyPrefixes } from './redisPurge';
export { PrivacyService, createPrivacy, PRIVACY_ROLES, PRIVACY_VIEW_ROLES, NotAnExportError, CustomerErasedError } from './service';
export type { PrivacyServiceDeps, Actor } from './service';
