// Runs before each test file: quiet libraries that print on import, and point tests at the per-run database.
process.env.DOTENV_CONFIG_QUIET = 'true';
process.env.LOG_LEVEL ??= 'silent';
// Queues, locks and rate limits of tests stay out of the Redis database the product uses (0, where a
// developer's `npm start` may be running): tests take database 13 unless TEST_REDIS_URL names another.
process.env.TEST_REDIS_URL ??= 'redis://127.0.0.1:6379/13';
