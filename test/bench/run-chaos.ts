import { spawn } from 'node:child_process';
import { randomUUID } from 'node:crypto';
import { readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { everyFault } from './chaos-every-fault.js';
import { plannerCrash } from './chaos-planner-crash.js';
import type { ScenarioSettings } from './support/chaos-stage.js';
import { seconds, startDynamoDb } from './support/environment.js';
import { machine } from './support/report.js';

/**
 * `npm run chaos` (issue 6, section 2): broadcasts on the local runtime under faults, one scenario after the other,
 * each on a table and runtime of its own, then the invariants of docs/design.md section 8 counted: duplicates, lost
 * contacts, counters that disagree with the execution records.
 * - `every_fault` (chaos-every-fault.ts): every fault at once, with a pause/resume and an opt-out;
 * - `planner_crash` (chaos-planner-crash.ts): the parallel planner's segments die mid-segment.
 * CHAOS_SCENARIOS (a comma list) runs some of them only.
 */

const SCENARIOS = { every_fault: everyFault, planner_crash: plannerCrash } as const;
type ScenarioName = keyof typeof SCENARIOS;

const RECIPIENTS = Number.parseInt(process.env.CHAOS_RECIPIENTS ?? '20000', 10);
const TIMEOUT_MS = Number.parseInt(process.env.CHAOS_TIMEOUT_SECONDS ?? '780', 10) * 1000;

const log = (line: string) => console.log(`[chaos ${seconds(performance.now())}s] ${line}`);

interface ScenarioResult {
  recipients: number;
  injected_faults: Record<string, unknown>;
  duplicates: number;
  lost: number;
  counter_mismatches: number;
  duration_s: number;
}

export async function runChaos(): Promise<void> {
  const out = resolve(process.env.CHAOS_OUT ?? 'chaos-results.json');
  const names = scenarioNames(process.env.CHAOS_SCENARIOS);
  const started = { generated_at: new Date().toISOString(), machine: machine() };
  const scenarios: Partial<Record<ScenarioName, ScenarioResult>> = {};
  if (names.length > 1) {
    // Each in a process of its own: in one process, something of the first scenario's runtime kept calling its
    // DynamoDB Local after stop() (the second one's seeding crawled beside it, or met ECONNREFUSED once it was gone).
    for (const name of names) Object.assign(scenarios, await inChildProcess(name));
    writeFileSync(out, `${JSON.stringify({ ...started, ...totals(scenarios), scenarios }, null, 2)}\n`);
  }
  for (const name of names.length > 1 ? [] : names) {
    const db = await startDynamoDb();
    try {
      const settings: ScenarioSettings = {
        endpoint: db.endpoint,
        recipients: RECIPIENTS,
        timeoutMs: TIMEOUT_MS,
        log: (line) => log(`${name}: ${line}`),
      };
      scenarios[name] = await SCENARIOS[name](settings);
      // Written after each scenario, so a later one that fails leaves the earlier ones' figures.
      writeFileSync(out, `${JSON.stringify({ ...started, ...totals(scenarios), scenarios }, null, 2)}\n`);
      const result = scenarios[name];
      console.log('');
      console.log(
        JSON.stringify(
          {
            scenario: name,
            recipients: result.recipients,
            injected_faults: result.injected_faults,
            duplicates: result.duplicates,
            lost: result.lost,
            counter_mismatches: result.counter_mismatches,
            duration_s: result.duration_s,
          },
          null,
          2,
        ),
      );
    } finally {
      await db.stop();
    }
  }
  const sum = totals(scenarios);
  log(`scenarios ${names.join(', ')}: ${JSON.stringify(sum)}; wrote ${out}`);
  if (sum.duplicates !== 0 || sum.lost !== 0 || sum.counter_mismatches !== 0) process.exitCode = 1;
}

/** Runs one scenario in a child process (this same entry point) and returns its block. */
async function inChildProcess(name: ScenarioName): Promise<Partial<Record<ScenarioName, ScenarioResult>>> {
  const out = join(tmpdir(), `chaos-${name}-${randomUUID()}.json`);
  const child = spawn(process.execPath, [...process.execArgv, ...process.argv.slice(1)], {
    env: { ...process.env, CHAOS_SCENARIOS: name, CHAOS_OUT: out },
    stdio: 'inherit',
  });
  await new Promise((done) => child.once('exit', done));
  try {
    return JSON.parse(readFileSync(out, 'utf8')).scenarios;
  } catch (error) {
    throw new Error(`chaos scenario ${name} wrote no results (exit code ${child.exitCode})`, { cause: error });
  } finally {
    rmSync(out, { force: true });
  }
}

/** The invariants summed over the scenarios run (what readers of the single-scenario file read). */
function totals(scenarios: Partial<Record<ScenarioName, ScenarioResult>>) {
  const results = Object.values(scenarios);
  const add = (key: 'duplicates' | 'lost' | 'counter_mismatches') => results.reduce((sum, r) => sum + r[key], 0);
  return { duplicates: add('duplicates'), lost: add('lost'), counter_mismatches: add('counter_mismatches') };
}

function scenarioNames(list: string | undefined): ScenarioName[] {
  if (!list) return Object.keys(SCENARIOS) as ScenarioName[];
  const names = list.split(',').map((name) => name.trim());
  const unknown = names.filter((name) => !(name in SCENARIOS));
  if (unknown.length > 0 || names.length === 0) {
    throw new Error(
      `CHAOS_SCENARIOS: unknown ${unknown.join(', ')}; one or more of ${Object.keys(SCENARIOS).join(', ')}`,
    );
  }
  return names as ScenarioName[];
}
