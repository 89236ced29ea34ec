import { App } from 'aws-cdk-lib';
import { buildApp } from './build-app.js';
import { DeploymentTargetError } from './deployment-target.js';
import { StageConfigError } from './stages.js';

// Entry point of cdk.json's "app": `npx cdk synth -c tenant=acme -c stage=prod`.
try {
  const app = new App();
  buildApp(app);
  app.synth();
} catch (error) {
  // A wrong -c value or stage setting is the user's to fix: one line saying what, not a stack trace.
  if (!(error instanceof DeploymentTargetError || error instanceof StageConfigError)) throw error;
  console.error(`error: ${error.message}`);
  process.exitCode = 1;
}
