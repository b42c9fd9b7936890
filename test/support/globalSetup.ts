import { createScratchDatabase } from './database';

/**
 * Each test run gets its own PostgreSQL database on the real server (dropped in globalTeardown),
 * so runs never see each other's rows. Tests read its URL from TEST_DATABASE_URL.
 */
export default async function globalSetup(): Promise<void> {
  const db = await createScratchDatabase('concierge_test');
  process.env.TEST_DATABASE_URL = db.url;
  process.env.TEST_DATABASE_NAME = db.name;
}
