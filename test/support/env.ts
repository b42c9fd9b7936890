// Runs before each test file: quiet libraries that print on import, and point tests at the per-run database.
process.env.DOTENV_CONFIG_QUIET = 'true';
process.env.LOG_LEVEL ??= 'silent';
// Queues, locks and rate limits of tests stay out of the Redis database the product uses (0, where a
// developer's `npm start` may be running): tests take database 13 unless TEST_REDIS_URL names another.
// Within it, each run's names start with its own REDIS_PREFIX (test/support/globalSetup.ts).
process.env.TEST_REDIS_URL ??= 'redis://127.0.0.1:6379/13';

/** Where test runs keep their databases and Redis keys (globalSetup runs before this file's top level). */
export function testRunStores(): { adminUrl: string; redisUrl: string } {
  return {
    adminUrl: process.env.TEST_PG_ADMIN_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres',
    redisUrl: process.env.TEST_REDIS_URL ?? 'redis://127.0.0.1:6379/13',
  };
}
