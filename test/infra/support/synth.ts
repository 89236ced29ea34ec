import { mkdirSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { App } from 'aws-cdk-lib';
import { Template } from 'aws-cdk-lib/assertions';
import { BroadcastStack } from '../../../infra/broadcast-stack.js';
import { buildApp, FUNCTIONS_DIR } from '../../../infra/build-app.js';
import type { FunctionCatalog } from '../../../infra/function-catalog.js';
import { parseStageConfig, STAGES, type StageConfigInput, type StageName } from '../../../infra/stages.js';

const REPO_ROOT = new URL('../../../', import.meta.url);

const scratchDirs: string[] = [];

/** A scratch directory, removed after the test file that made it (cloud assemblies hold megabytes of bundles). */
function scratchDir(parent: string, prefix: string): string {
  mkdirSync(parent, { recursive: true });
  const dir = mkdtempSync(join(parent, prefix));
  scratchDirs.push(dir);
  return dir;
}

// Registered when a test file imports this module, so each file cleans up after itself.
afterAll(() => {
  for (const dir of scratchDirs.splice(0)) rmSync(dir, { recursive: true, force: true });
});

/** The context `cdk synth` runs with (feature flags included), so tests synthesize what the CLI would. */
export function cdkJsonContext(): Record<string, unknown> {
  const cdkJson = JSON.parse(readFileSync(new URL('cdk.json', REPO_ROOT), 'utf8')) as { context?: object };
  return { ...cdkJson.context };
}

export interface Synthesized {
  readonly stack: BroadcastStack;
  readonly template: Template;
}

export interface TestAppOptions {
  /**
   * Real esbuild bundling, as `cdk synth` does, or skipped (the default): tests that look at wiring, not code,
   * skip it to stay fast; functions.test.ts bundles for real.
   */
  readonly bundle?: boolean;
  /**
   * Run CDK's built-in CloudFormation validation, as `cdk synth` does (cdk.json makes its findings errors). Its
   * WebAssembly engine costs seconds per test file, so only the suite that checks it turns it on.
   */
  readonly validate?: boolean;
  readonly context?: Record<string, unknown>;
}

/** An App with cdk.json's context and a scratch output directory. */
export function testApp(options: TestAppOptions = {}): App {
  return new App({
    outdir: scratchDir(tmpdir(), 'broadcast-cdk-'),
    builtinCloudFormationValidation: options.validate ?? false,
    context: {
      ...cdkJsonContext(),
      ...(options.bundle === true ? {} : { 'aws:cdk:bundling-stacks': [] }),
      ...options.context,
    },
  });
}

export interface SynthOptions extends Omit<TestAppOptions, 'context'> {
  readonly tenant?: string;
  readonly stage: StageName;
  /** Extra `-c key=value` context, e.g. alarmEmail. */
  readonly context?: Record<string, string>;
}

/** Synthesizes the real app, through the same context parsing as `cdk synth -c tenant=... -c stage=...`. */
export function synthStage(options: SynthOptions): Synthesized {
  const app = testApp({
    ...options,
    context: { tenant: options.tenant ?? 'acme', stage: options.stage, ...options.context },
  });
  const stack = buildApp(app);
  return { stack, template: Template.fromStack(stack) };
}

export interface StackOptions {
  readonly stage?: StageName;
  /** A catalog other than FUNCTION_CATALOG: every entry still needs its file in functions/. */
  readonly catalog?: FunctionCatalog;
  /** Overrides of the stage's settings (validated like the real ones). */
  readonly config?: Partial<StageConfigInput>;
}

/**
 * The stack of tenant `acme` built directly, from the real functions/, for what the CDK context cannot express: a
 * changed catalog or stage setting. Not bundled: these tests look at wiring, not code.
 */
export function synthStack(options: StackOptions = {}): Synthesized {
  const stage = options.stage ?? 'prod';
  const stack = new BroadcastStack(testApp(), {
    target: { tenant: 'acme', stage, config: parseStageConfig(stage, { ...STAGES[stage], ...options.config }) },
    functionsDir: FUNCTIONS_DIR,
    ...(options.catalog ? { catalog: options.catalog } : {}),
  });
  return { stack, template: Template.fromStack(stack) };
}

export { FUNCTIONS_DIR };
