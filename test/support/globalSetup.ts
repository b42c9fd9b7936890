import { randomBytes } from 'node:crypto';
import { openDatabase } from '../../crm/db';
import { createScratchDatabase } from './database';

/**
 * Each test run gets its own PostgreSQL databases on the real server: a template with the migrations
 * applied, and from it one database per test file (test/support/perFileDatabase.ts), so files never
 * see each other's rows. globalTeardown drops them all.
 */
export default async function globalSetup(): Promise<void> {
  const runId = `ct${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;
  const template = await createScratchDatabase(`${runId}_template`, { exactName: true });
  const database = await openDatabase({ url: template.url, poolSize: 1 });
  await database.close();
  process.env.TEST_RUN_ID = runId;
  process.env.TEST_TEMPLATE_DATABASE = template.name;
  // Until a file's own database exists (and for anything outside a test file), the template's URL.
  process.env.TEST_DATABASE_URL = template.url;
}
