/**
 * `npm test` runs this config, then jest.storm.config.js. The storms (many processes hammering one
 * Redis for seconds) run alone, one file at a time, so they never compete with each other or with the
 * rest for the machine's two cores: their assertions are about correctness, not speed, but starving
 * them of CPU stretches requests past the sandbox's seconds-long tokens. The browser tour (test/e2e:
 * Chromium and a demo process) runs in that phase too, for the same reason.
 * @type {import('jest').Config}
 */
module.exports = {
  testEnvironment: 'node',
  roots: ['<rootDir>/test'],
  testMatch: ['**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/', '\\.storm\\.test\\.ts$', '/test/e2e/'],
  transform: { '^.+\\.ts$': 'ts-jest' },
  globalSetup: '<rootDir>/test/support/globalSetup.ts',
  globalTeardown: '<rootDir>/test/support/globalTeardown.ts',
  testTimeout: 30000,
  maxWorkers: 2,
};
