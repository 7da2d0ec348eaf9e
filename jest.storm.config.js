const base = require('./jest.config');

/** The multi-process storms of issue 5 and the browser tour, run one file at a time (see jest.config.js). @type {import('jest').Config} */
module.exports = {
  ...base,
  testMatch: ['**/*.storm.test.ts', '**/test/e2e/**/*.test.ts'],
  testPathIgnorePatterns: ['/node_modules/'],
  maxWorkers: 1,
  testTimeout: 300000,
};
