import { openDatabase } from '../../crm/db';
import { createScratchDatabase } from './database';
import { newRunId, removeDeadRuns } from './testRun';
import { testRunStores } from './env';

/**
 * Each test run gets its own names on the real servers, all starting with a run id that carries the
 * pid of this jest process: PostgreSQL databases (a template with the migrations applied, and from it
 * one database per test file, test/support/perFileDatabase.ts) and a Redis prefix (REDIS_PREFIX) for
 * every queue, key and channel of the apps and workers the tests start. Two runs on one machine never
 * take each other's jobs. globalTeardown removes the run's names; a run that was killed before its
 * teardown is cleaned up here, by the next run, once its pid is gone.
 */
export default async function globalSetup(): Promise<void> {
  const stores = testRunStores();
  const leftovers = await removeDeadRuns(stores);
  if (leftovers.databases.length || leftovers.keys) {
    console.log(`\ntest run: removed ${leftovers.databases.length} databases and ${leftovers.keys} Redis keys of runs that are no longer alive`);
  }
  const runId = newRunId();
  const template = await createScratchDatabase(`${runId}_template`, { exactName: true });
  const database = await openDatabase({ url: template.url, poolSize: 1 });
  await database.close();
  process.env.TEST_RUN_ID = runId;
  // Apps and workers the tests start take it from the environment; tests that build queues themselves
  // read it through test/support/env.ts runQueuePrefix() or testPrefix().
  process.env.REDIS_PREFIX = runId;
  process.env.TEST_TEMPLATE_DATABASE = template.name;
  // Until a file's own database exists (and for anything outside a test file), the template's URL.
  process.env.TEST_DATABASE_URL = template.url;
}
