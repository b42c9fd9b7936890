// Runs before each test file: quiet libraries that print on import, and point tests at the per-run database.
process.env.DOTENV_CONFIG_QUIET = 'true';
process.env.LOG_LEVEL ??= 'silent';
