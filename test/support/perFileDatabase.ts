import { createScratchDatabase } from './database';

/**
 * Runs before every test file's own hooks: the file gets a fresh database cloned from the run's
 * migrated template, in TEST_DATABASE_URL. Read it in hooks or tests, not while collecting tests.
 */
beforeAll(async () => {
  const runId = process.env.TEST_RUN_ID;
  const template = process.env.TEST_TEMPLATE_DATABASE;
  if (!runId || !template) throw new Error('jest globalSetup did not run');
  const db = await createScratchDatabase(runId, { template });
  process.env.TEST_DATABASE_URL = db.url;
}, 60_000);
