/**
 * `npm run crm -- privacy …`: an operator's data subject requests, processed in this process (no
 * worker needed). The erasure reaches Redis (keys, queued jobs) with the configured REDIS_URL and
 * REDIS_PREFIX, and fails rather than leave them behind when Redis does not answer.
 */
import fs from 'node:fs';
import path from 'node:path';
import { Redis } from 'ioredis';
import type { AppConfig } from '../../config';
import type { Db } from '../db';
import { createQueue, QUEUE_NAMES } from '../../workers/queues';
import { EncryptedArchiveStore, resolveArchiveKey } from './archives';
import { customerRedisKeyPrefixes, RedisCustomerPurge } from './redisPurge';
import { createPrivacy } from './service';
import type { PrivacyRequest } from './requests';

export interface PrivacyCommand {
  config: AppConfig;
  db: Db;
  sub: string | undefined;
  arg: string | undefined;
  out?: string;
  yes: boolean;
  write: (text: string) => void;
}

export function describeRequest(r: PrivacyRequest, now = new Date()): string {
  const overdue = (r.status === 'pending' || r.status === 'in_progress') && r.dueAt < now ? '  OVERDUE' : '';
  const outcome = r.outcome ? `  ${JSON.stringify(r.outcome)}` : '';
  return `${r.id}  ${r.kind.padEnd(7)}  ${r.status.padEnd(11)}  customer ${r.customerId ?? '-'}  ${r.source}  requested ${r.requestedAt.toISOString()}  due ${r.dueAt.toISOString()}${r.completedAt ? `  done ${r.completedAt.toISOString()}` : ''}${overdue}${outcome}\n`;
}

/** Runs a privacy subcommand; returns a usage problem, or null when done. */
export async function runPrivacyCommand(c: PrivacyCommand): Promise<string | null> {
  const archives = new EncryptedArchiveStore({ dir: path.join(c.config.dataDir, 'privacy-exports'), key: resolveArchiveKey({ configured: c.config.PRIVACY_ARCHIVE_KEY, dataDir: c.config.dataDir }).key });
  if (c.sub === 'status') {
    const privacy = createPrivacy({ db: c.db, archives });
    if (c.arg) {
      const r = await privacy.requests.get(c.arg);
      if (!r) return `no privacy request ${c.arg}`;
      c.write(describeRequest(r));
      return null;
    }
    const open = await privacy.requests.list({ status: ['pending', 'in_progress'] });
    c.write(`${open.length} open privacy request(s)\n`);
    for (const r of open) c.write(describeRequest(r));
    return null;
  }
  if (c.sub !== 'export' && c.sub !== 'erase') return 'privacy export|erase CUSTOMER_ID|EMAIL | privacy status [REQUEST_ID]';
  if (!c.arg) return `privacy ${c.sub} needs a customer id or email`;
  if (c.sub === 'erase' && !c.yes) return 'privacy erase deletes the customer’s data for good: add --yes to confirm';

  if (c.sub === 'export') {
    const privacy = createPrivacy({ db: c.db, archives });
    const customerId = await privacy.findCustomerId(c.arg);
    if (!customerId) return `no customer ${c.arg}`;
    const done = await privacy.process((await privacy.requestExport(customerId, 'cli')).id);
    if (done.status !== 'completed') return `export ${done.id} ${done.status}: ${JSON.stringify(done.outcome)}`;
    const archive = await privacy.readArchive(done.id, null);
    if (c.out) {
      fs.writeFileSync(path.resolve(c.out), JSON.stringify(archive, null, 2), { mode: 0o600 });
      c.write(`export ${done.id}: written to ${path.resolve(c.out)} (in clear: hand it over and delete it; the encrypted copy stays in DATA_DIR/privacy-exports)\n`);
    } else {
      c.write(archive.summary);
      c.write(`\nexport ${done.id}: the JSON archive is kept encrypted; --out FILE writes it\n`);
    }
    return null;
  }

  const redis = new Redis(c.config.redisUrl, { maxRetriesPerRequest: 1, enableOfflineQueue: true, connectTimeout: 3000, retryStrategy: (n) => (n > 2 ? null : 200) });
  redis.on('error', () => undefined);
  const prefix = c.config.REDIS_PREFIX;
  const connection = { redisUrl: c.config.redisUrl, prefix: `{${prefix}}` };
  const queues = [createQueue(QUEUE_NAMES.followUps, connection), createQueue(QUEUE_NAMES.slaTimers, connection), createQueue(QUEUE_NAMES.deliveries, connection)];
  try {
    const privacy = createPrivacy({ db: c.db, archives, redis: new RedisCustomerPurge({ redis, keys: customerRedisKeyPrefixes(prefix), queues }) });
    const customerId = await privacy.findCustomerId(c.arg);
    if (!customerId) return `no customer ${c.arg}`;
    const done = await privacy.process((await privacy.requestErasure(customerId, 'cli')).id);
    c.write(`erasure ${done.id} ${done.status}: ${JSON.stringify(done.outcome)}\n`);
    return null;
  } finally {
    await Promise.all(queues.map((q) => q.close()));
    redis.disconnect();
  }
}
