/** crm/privacy: what of a customer's words is kept, and what is masked before it is stored or logged. */
export { redactSensitive, maskForLog, passesLuhn, passesIbanCheck, MASK } from './redaction';
export { safeForLog, safeErrorForLog, safeErrorMessage, MESSAGE_TEXT_OMITTED } from './logSafety';
export type { LogSafetyOptions, SafeError } from './logSafety';
export { AuditLog, auditConditions, AUDIT_ACTIONS, AUDIT_LIST_MAX } from './audit';
export type { AuditAction, AuditEntry, AuditEntryInput, AuditFilters } from './audit';
