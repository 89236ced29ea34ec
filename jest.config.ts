/** @jest-config-loader esbuild-register */
import type { Config } from 'jest';

// ESM throughout (middy >= 5 and jose are ESM-only): Jest runs with
// --experimental-vm-modules and swc strips the types without type-checking
// (`npm run typecheck` does that once for the whole tree).
const swc: [string, Record<string, unknown>] = [
  '@swc/jest',
  { jsc: { parser: { syntax: 'typescript' }, target: 'es2022' }, module: { type: 'es6' } },
];

const shared = {
  extensionsToTreatAsEsm: ['.ts'],
  moduleNameMapper: { '^(\\.{1,2}/.*)\\.js$': '$1' },
  transform: { '^.+\\.ts$': swc },
} satisfies Config;

/**
 * The end-to-end delivery scenarios: each runs the whole local runtime (API, SQS emulator, every handler) against
 * DynamoDB Local with faults and real waits. `npm test` runs them one at a time after the rest, each in a Jest run
 * and a DynamoDB Local of its own (test/support/run-scenarios.mjs): two side by side on a 2-core machine run 3-4 times
 * slower than alone, and one DynamoDB Local shared by all of them grew slower with each.
 *
 * Also here: the two suites that keep DynamoDB Local busy by themselves (8 planners side by side over 1,100 contacts;
 * a storm of pauses and resumes). Beside the other worker's suites they ran 7 to 25 times slower than alone and
 * starved those suites too.
 */
const SCENARIOS = [
  '<rootDir>/test/integration/pipeline-*.test.ts',
  '<rootDir>/test/integration/delivery-by-hand.test.ts',
  '<rootDir>/test/integration/plan-segments.test.ts',
  '<rootDir>/test/integration/pause-resume-storm.test.ts',
];
const DYNAMODB_LOCAL = {
  globalSetup: '<rootDir>/test/support/global-setup.mjs',
  globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
};

/**
 * Coverage is collected by `npm run test:jest:parallel` (its `--coverage`), the unit, integration and infra projects:
 * they run every handler, use case and adapter. The delivery scenarios run in a second Jest invocation afterwards
 * and are left out of the figures rather than merged in: they mostly go through the same code again, slowly.
 * A targeted run (no `--coverage`) checks nothing. The thresholds are what the suite reaches, rounded down: raise
 * them when it covers more, never lower them. `--coverageReporters=text` lists the figures per file.
 *
 * Istanbul (`babel`) counters, added to the files of `collectCoverageFrom` after swc: V8's precise coverage counts
 * every function of the process (the AWS SDK, CDK, the local runtime's dependencies), and made this run 2.6 times
 * longer (measured here: 683 s with v8, 264 s with babel, 245 s without coverage). Istanbul counts a branch per
 * side of `??`, `||`, `&&`, `?.` and default values, where V8 counted blocks: the branch figure reads lower (88.4 %
 * where V8 read 92.1 %) for the same tests.
 */
const COVERAGE = {
  coverageProvider: 'babel',
  collectCoverageFrom: ['<rootDir>/functions/**/*.ts', '<rootDir>/lib/**/*.ts', '<rootDir>/local/**/*.ts'],
  coverageReporters: ['text-summary'],
  coverageThreshold: { global: { statements: 94, branches: 88, functions: 96, lines: 96 } },
} satisfies Config;

const config: Config = {
  ...COVERAGE,
  // Two workers: more make the one DynamoDB Local the bottleneck on this 2-core machine.
  maxWorkers: 2,
  // A cap, not a timing assertion: DynamoDB Local on a busy 2-core machine can be slow (an e2e test of a few seconds
  // alone has taken over a minute beside the other worker's suites).
  testTimeout: 180_000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...shared,
      ...DYNAMODB_LOCAL,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts'],
      testPathIgnorePatterns: [
        '/node_modules/',
        '/test/integration/pipeline-[^/]*\\.test\\.ts$',
        '/test/integration/delivery-by-hand\\.test\\.ts$',
        '/test/integration/plan-segments\\.test\\.ts$',
        '/test/integration/pause-resume-storm\\.test\\.ts$',
      ],
    },
    { ...shared, ...DYNAMODB_LOCAL, displayName: 'scenarios', testMatch: SCENARIOS },
    { ...shared, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
    // The dashboard in Chromium against `npm start` (test/browser/support.ts): run on its own, after the rest.
    { ...shared, ...DYNAMODB_LOCAL, displayName: 'browser', testMatch: ['<rootDir>/test/browser/**/*.test.ts'] },
  ],
};

export default config;
