import { fileURLToPath } from 'node:url';
import type { App } from 'aws-cdk-lib';
import { BroadcastStack } from './broadcast-stack.js';
import { readDeploymentTarget } from './deployment-target.js';

/** functions/ next to infra/, resolved from this file so the app works from any working directory. */
export const FUNCTIONS_DIR = fileURLToPath(new URL('../functions', import.meta.url));

/**
 * Adds the stack the context (`-c tenant=... -c stage=...`) asks for. Separate from the entry point so the infra
 * tests synthesize exactly what `cdk synth` does.
 */
export function buildApp(app: App, functionsDir: string = FUNCTIONS_DIR): BroadcastStack {
  const target = readDeploymentTarget(app.node);
  const { account, region } = target.config;
  return new BroadcastStack(app, {
    target,
    functionsDir,
    // Environment-agnostic unless the stage pins an account: synth then needs no credentials and no lookups.
    env: account === undefined && region === undefined ? undefined : { account, region },
  });
}
