/**
 * Tests run serially (one worker) against the real PostgreSQL and Redis on this machine (see
 * test/support). The worker is replaced once a file leaves it above the memory limit: jest keeps a
 * little of every file's module graph (jestjs/jest#14605), and 131 files in one process (--runInBand)
 * outgrew a 4 GB heap.
 */
module.exports = {
  maxWorkers: 1,
  workerIdleMemoryLimit: '1GB',
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  transform: { '^.+\\.ts$': ['ts-jest', { diagnostics: false }] },
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  testTimeout: 60000,
  setupFiles: ['<rootDir>/test/support/env.ts'],
  setupFilesAfterEnv: ['<rootDir>/test/support/perFileDatabase.ts'],
};
