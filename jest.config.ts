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

const config: Config = {
  // Two workers: more make the one DynamoDB Local the bottleneck on this 2-core machine.
  maxWorkers: 2,
  // A cap, not a timing assertion: DynamoDB Local on a busy 2-core machine can be slow.
  testTimeout: 60_000,
  projects: [
    { ...shared, displayName: 'unit', testMatch: ['<rootDir>/test/unit/**/*.test.ts'] },
    {
      ...shared,
      displayName: 'integration',
      testMatch: ['<rootDir>/test/integration/**/*.test.ts', '<rootDir>/test/e2e/**/*.test.ts'],
      globalSetup: '<rootDir>/test/support/global-setup.mjs',
      globalTeardown: '<rootDir>/test/support/global-teardown.mjs',
    },
    { ...shared, displayName: 'infra', testMatch: ['<rootDir>/test/infra/**/*.test.ts'] },
  ],
};

export default config;
