import { randomUUID } from 'node:crypto';
import { createCrm, openDatabase, type Database } from '../../crm';
import { users } from '../../crm/schema';
import { createSupport, defaultRoutingConfig, type RoutingConfig, type Support } from '../../crm/support';
import { testDatabaseUrl } from '../support/apps';

/** A support desk on the run's database: queues from the default routing config. */
export async function openDesk(config: RoutingConfig = defaultRoutingConfig): Promise<{ database: Database; support: Support; crm: ReturnType<typeof createCrm> }> {
  const database = await openDatabase({ url: testDatabaseUrl(), poolSize: 20 });
  const support = createSupport({ db: database.db, config });
  await support.queues.sync(config);
  return { database, support, crm: createCrm(database.db) };
}

export async function createAgent(
  desk: { database: Database; support: Support },
  o: { name: string; skills: string[]; queues: string[]; maxConcurrent?: number; languages?: string[]; status?: 'online' | 'away' | 'offline' },
): Promise<string> {
  const [user] = await desk.database.db
    .insert(users)
    .values({ email: `${o.name.toLowerCase().replace(/\W+/g, '.')}.${randomUUID().slice(0, 8)}@example.test`, displayName: o.name, role: 'agent', passwordHash: 'not-used' })
    .returning();
  await desk.support.agents.upsert({ userId: user.id, skills: o.skills, languages: o.languages ?? ['en'], maxConcurrent: o.maxConcurrent ?? 3, queues: o.queues });
  if (o.status && o.status !== 'offline') await desk.support.agents.setStatus(user.id, o.status);
  return user.id;
}
