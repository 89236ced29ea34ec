import { spawnSync } from 'node:child_process';

/**
 * `npm run test:jest:scenarios`: each file of Jest's `scenarios` project in a Jest run of its own, one after another,
 * so each gets a DynamoDB Local of its own (test/support/global-setup.mjs). In one run they shared one, which grew with
 * every scenario's table and stream and answered slower and slower: in CI each scenario took longer than the one
 * before (a file of 57 s alone took 96 s, one of 191 s took 361 s) until the channel-fault scenarios ran past their
 * waits. Every file runs even after one fails; the exit code is the first failure's.
 */
const JEST = [
  '--experimental-vm-modules',
  '--no-warnings=ExperimentalWarning',
  'node_modules/jest/bin/jest.js',
  '--selectProjects',
  'scenarios',
];

const listed = spawnSync(process.execPath, [...JEST, '--listTests'], { encoding: 'utf8' });
if (listed.status !== 0) {
  process.stderr.write(listed.stderr);
  process.exit(listed.status ?? 1);
}
const files = listed.stdout
  .split('\n')
  .map((line) => line.trim())
  .filter((line) => line.endsWith('.test.ts'))
  .sort();
if (files.length === 0) {
  process.stderr.write('no scenario files found\n');
  process.exit(1);
}

let exitCode = 0;
for (const file of files) {
  const run = spawnSync(process.execPath, [...JEST, '--runInBand', file], { stdio: 'inherit' });
  if (run.status !== 0 && exitCode === 0) exitCode = run.status ?? 1;
}
process.exit(exitCode);
