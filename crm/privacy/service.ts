/**
 * Data subject requests end to end: a request is created (idempotently), then processed (by the
 * PrivacyRequestJob, or the CLI in-process): an export is built and written encrypted, an erasure run;
 * the request is marked completed with counts only, and the audit log records who and what.
 */
import { eq, sql } from 'drizzle-orm';
import type { Db } from '../db';
import { CrmError, NotFoundError } from '../errors';
import { customers, identities, users, type UserRole } from '../schema';
import { AuditLog, SYSTEM_ACTOR, type AuditAction, type AuditEntryInput } from './audit';
import type { LiveEventPublisher } from '../support/types';
import type { EncryptedArchiveStore } from './archives';
import { CustomerErasure, type CustomerRedisPurger } from './erasure';
import { CustomerDataExport, type CustomerExportArchive } from './export';
import { PrivacyRequests, type PrivacyRequest, type PrivacyRequestSource } from './requests';

/** Roles that may export or erase a customer's data. */
export const PRIVACY_ROLES: readonly UserRole[] = ['admin', 'privacy'];
/** Roles that may read the list of requests (supervisors track deadlines; they cannot act). */
export const PRIVACY_VIEW_ROLES: readonly UserRole[] = ['admin', 'privacy', 'supervisor'];

export class NotAnExportError extends CrmError {
  constructor() {
    super('this request is not a completed export', 'not_an_export');
  }
}

export class CustomerErasedError extends CrmError {
  constructor() {
    super('this customer’s data was erased', 'customer_erased');
  }
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

export interface PrivacyServiceDeps {
  db: Db;
  requests: PrivacyRequests;
  exporter: CustomerDataExport;
  erasure: CustomerErasure;
  archives: EncryptedArchiveStore;
  audit: AuditLog;
}

export interface Actor {
  userId: string;
  role: UserRole;
}

export class PrivacyService {
  constructor(private readonly d: PrivacyServiceDeps) {}

  get requests(): PrivacyRequests {
    return this.d.requests;
  }

  requestErasure(customerId: string, source: PrivacyRequestSource, requestedBy?: string | null): Promise<PrivacyRequest> {
    return this.request(customerId, 'erasure', source, requestedBy);
  }

  requestExport(customerId: string, source: PrivacyRequestSource, requestedBy?: string | null): Promise<PrivacyRequest> {
    return this.request(customerId, 'export', source, requestedBy);
  }

  private async request(customerId: string, kind: 'export' | 'erasure', source: PrivacyRequestSource, requestedBy?: string | null): Promise<PrivacyRequest> {
    const customer = await this.customer(customerId);
    if (!customer) throw new NotFoundError('customer');
    if (customer.erased && kind === 'export') throw new CustomerErasedError();
    return this.d.requests.create({ customerId, kind, source, requestedBy: requestedBy ?? null });
  }

  /** Runs a request: export written encrypted, or erasure; marks it completed and audits. A completed or refused request is returned as it is. */
  async process(requestId: string): Promise<PrivacyRequest> {
    const request = await this.d.requests.get(requestId);
    if (!request) throw new NotFoundError('privacy request');
    if (request.status === 'completed' || request.status === 'refused') return request;
    if (!request.customerId) throw new NotFoundError('customer');
    await this.d.requests.markStarted(request.id);
    const actor = await this.actorOf(request);
    if (request.kind === 'export') {
      const customer = await this.customer(request.customerId);
      if (!customer || customer.erased) {
        await this.d.requests.markRefused(request.id, customer ? 'customer_erased' : 'customer_not_found');
        return (await this.d.requests.get(request.id))!;
      }
      const archive = await this.d.exporter.build(request.customerId);
      const file = await this.d.archives.write(request.id, { data: archive.data, summary: archive.summary });
      await this.d.requests.markCompleted(request.id, { counts: archive.counts }, file);
      await this.d.audit.record({ ...actor, action: 'export', customerId: request.customerId, detail: { requestId: request.id, source: request.source, counts: archive.counts } });
    } else {
      const report = await this.d.erasure.erase(request.customerId, { requestId: request.id });
      await this.d.requests.markCompleted(request.id, { counts: report.counts, closedTickets: report.closedTickets }, null);
      await this.d.audit.record({ ...actor, action: 'erase', customerId: request.customerId, detail: { requestId: request.id, source: request.source, counts: report.counts } });
    }
    return (await this.d.requests.get(request.id))!;
  }

  /** The decrypted archive of a completed export; the reading is audited as an export by `actor`. */
  async readArchive(requestId: string, actor: Actor | null): Promise<{ data: CustomerExportArchive['data']; summary: string }> {
    const request = await this.d.requests.get(requestId);
    if (!request) throw new NotFoundError('privacy request');
    const file = request.kind === 'export' && request.status === 'completed' ? await this.d.requests.archiveFileOf(request.id) : null;
    if (!file) throw new NotAnExportError();
    const content = await this.d.archives.read<{ data: CustomerExportArchive['data']; summary: string }>(request.id, file);
    await this.d.audit.record({ ...(actor ? { actorUserId: actor.userId, actorRole: actor.role } : SYSTEM_ACTOR), action: 'export', customerId: request.customerId, detail: { requestId: request.id, read: 'archive' } });
    return content;
  }

  /** Records an attempt refused for want of the right (who tried what on whom). */
  async recordRefusal(actor: Actor, action: Extract<AuditAction, 'export' | 'erase'>, customerId: string | null, detail: Record<string, unknown> = {}): Promise<void> {
    await this.d.audit.record({ actorUserId: actor.userId, actorRole: actor.role, action, customerId: customerId && UUID.test(customerId) ? customerId : null, detail: { refused: true, reason: 'role', ...detail } });
  }

  /** A customer by id, or by email (an email identity, else the customer record's email). */
  async findCustomerId(ref: string): Promise<string | null> {
    const r = ref.trim();
    if (UUID.test(r)) return (await this.customer(r)) ? r : null;
    if (!r.includes('@')) return null;
    const email = r.toLowerCase();
    const [byIdentity] = await this.d.db.select({ id: identities.customerId }).from(identities).where(sql`${identities.kind} = 'email' and lower(${identities.externalId}) = ${email}`).limit(1);
    if (byIdentity) return byIdentity.id;
    const [byRecord] = await this.d.db.select({ id: customers.id }).from(customers).where(sql`lower(${customers.email}) = ${email}`).limit(1);
    return byRecord?.id ?? null;
  }

  private async customer(id: string): Promise<{ id: string; erased: boolean } | null> {
    if (!UUID.test(id)) return null;
    const [row] = await this.d.db.select({ id: customers.id, attributes: customers.attributes }).from(customers).where(eq(customers.id, id)).limit(1);
    return row ? { id: row.id, erased: (row.attributes as Record<string, unknown>)?.erased === true } : null;
  }

  private async actorOf(request: PrivacyRequest): Promise<Pick<AuditEntryInput, 'actorUserId' | 'actorRole' | 'source'>> {
    if (!request.requestedBy) return SYSTEM_ACTOR;
    const [user] = await this.d.db.select({ id: users.id, role: users.role }).from(users).where(eq(users.id, request.requestedBy)).limit(1);
    return user ? { actorUserId: user.id, actorRole: user.role } : SYSTEM_ACTOR;
  }
}

/** The whole privacy domain on one database (the composition root passes the store and the Redis purger). */
export function createPrivacy(o: { db: Db; archives: EncryptedArchiveStore; redis?: CustomerRedisPurger; live?: LiveEventPublisher; audit?: AuditLog }): PrivacyService {
  return new PrivacyService({
    db: o.db,
    requests: new PrivacyRequests(o.db),
    exporter: new CustomerDataExport(o.db),
    erasure: new CustomerErasure(o.db, { redis: o.redis, live: o.live }),
    archives: o.archives,
    audit: o.audit ?? new AuditLog(o.db),
  });
}
