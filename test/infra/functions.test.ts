import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { type App, Duration, Stack } from 'aws-cdk-lib';
import { Annotations, Match } from 'aws-cdk-lib/assertions';
import { RetentionDays } from 'aws-cdk-lib/aws-logs';
import { DeadLetteredQueue } from '../../infra/constructs/queues.js';
import { ServiceFunction } from '../../infra/constructs/service-function.js';
import { FUNCTION_CATALOG } from '../../infra/function-catalog.js';
import { parseStageConfig, STAGES } from '../../infra/stages.js';
import { BUNDLED_DOCS_ASSETS_DIR, DOCS_ASSET_FILES } from '../../lib/http/docs-assets.js';
import { FUNCTIONS_DIR, type Synthesized, synthStack, synthStage, testApp } from './support/synth.js';
import { asArray, functionFor, requiredFunction, resources } from './support/template-queries.js';

// Issue 5 section 2: every handler in functions/ is a NodejsFunction with the shared defaults; every SQS event
// source reports batch item failures; the sender's maxConcurrency is the stage's send concurrency, reserved >= it.

/** Read at test time: a handler added without a deployment fails here. */
const HANDLER_FILES = readdirSync(FUNCTIONS_DIR)
  .filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'))
  .map((file) => file.slice(0, -'.ts'.length));

const prodConfig = parseStageConfig('prod', STAGES.prod);
let prod: Synthesized;

beforeAll(() => {
  // The one synth of the infra tests with real esbuild bundling, as `cdk synth` does it.
  prod = synthStage({ stage: 'prod', bundle: true });
});

describe('functions', () => {
  it('finds handler files to check', () => {
    expect(HANDLER_FILES).toEqual(expect.arrayContaining(['health']));
  });

  it.each(HANDLER_FILES)('functions/%s.ts is deployed', (name) => {
    expect(functionFor(prod.template, name)).toBeDefined();
  });

  it('deploys nothing that has no handler file', () => {
    expect(resources(prod.template, 'AWS::Lambda::Function')).toHaveLength(HANDLER_FILES.length);
  });

  it('gives every function the shared defaults', () => {
    for (const fn of resources(prod.template, 'AWS::Lambda::Function')) {
      expect(fn.properties).toMatchObject({
        Runtime: 'nodejs22.x',
        Architectures: ['arm64'],
        TracingConfig: { Mode: 'Active' },
        LoggingConfig: { LogFormat: 'JSON', LogGroup: { Ref: expect.any(String) } },
        Environment: { Variables: expect.objectContaining({ NODE_OPTIONS: '--enable-source-maps' }) },
      });
      expect(fn.properties.Environment.Variables.AWS_REGION).toBeUndefined();
    }
  });

  it('gives every function a log group of its own with the stage retention', () => {
    const logGroups = new Map(resources(prod.template, 'AWS::Logs::LogGroup').map((group) => [group.logicalId, group]));
    const functions = resources(prod.template, 'AWS::Lambda::Function');
    const used = functions.map((fn) => fn.properties.LoggingConfig.LogGroup.Ref as string);
    expect(new Set(used).size).toBe(functions.length);
    for (const logGroupId of used) {
      expect(logGroups.get(logGroupId)?.properties.RetentionInDays).toBe(prodConfig.logRetentionDays);
    }
  });

  it('passes the settings lib/config.ts reads', () => {
    const contacts = requiredFunction(prod.template, 'contacts-api');
    expect(contacts.properties.Environment.Variables).toMatchObject({
      TABLE_NAME: { Ref: expect.stringMatching(/^DataTable/) },
      TENANT_CLAIM: prodConfig.tenantClaim,
    });
  });

  it('hands where the unsubscribe signing key is, and the public URL, only to functions that sign or verify links', () => {
    for (const [name, spec] of Object.entries(FUNCTION_CATALOG)) {
      const variables = requiredFunction(prod.template, name).properties.Environment.Variables;
      // The key itself is never in the environment (issue 11): see secrets.test.ts.
      expect(variables.UNSUBSCRIBE_SECRET).toBeUndefined();
      if (spec.access.unsubscribeLinks) {
        expect(variables.UNSUBSCRIBE_SECRET_ARN).toEqual({ Ref: expect.stringMatching(/^UnsubscribeLinksSigningKey/) });
        expect(variables.PUBLIC_BASE_URL).toEqual({
          'Fn::GetAtt': [expect.stringMatching(/^ApiHttpApi/), 'ApiEndpoint'],
        });
      } else {
        expect(variables.UNSUBSCRIBE_SECRET_ARN).toBeUndefined();
      }
    }
  });

  it("passes the stage's default channel", () => {
    const channel = (synthesized: Synthesized) =>
      requiredFunction(synthesized.template, 'health').properties.Environment.Variables.DEFAULT_CHANNEL;
    expect(channel(prod)).toBe('none');
    expect(channel(synthStage({ stage: 'dev' }))).toBe(STAGES.dev.defaultChannel);
  });

  it('bundles each handler locally as minified ESM with a source map and a require shim', () => {
    const outdir = (prod.stack.node.root as App).outdir;
    for (const name of HANDLER_FILES) {
      const key: string = requiredFunction(prod.template, name).properties.Code.S3Key;
      const assetDir = join(outdir, `asset.${key.replace(/\.zip$/, '')}`);
      const code = readFileSync(join(assetDir, 'index.mjs'), 'utf8');
      expect(code.startsWith("import { createRequire as topLevelCreateRequire } from 'node:module';")).toBe(true);
      expect(code).toMatch(/export\s*\{[^}]*\bhandler\b[^}]*\}/);
      // Minified: long lines (template literals in the SDK keep a few newlines).
      expect(code.length / code.split('\n').length).toBeGreaterThan(500);
      expect(existsSync(join(assetDir, 'index.mjs.map'))).toBe(true);
    }
  });

  it('copies the API reference page files beside the api-docs bundle, where the handler reads them', () => {
    // Prepare
    const outdir = (prod.stack.node.root as App).outdir;
    const key: string = requiredFunction(prod.template, 'api-docs').properties.Code.S3Key;
    const assetDir = join(outdir, `asset.${key.replace(/\.zip$/, '')}`);

    // Act
    const copied = readdirSync(join(assetDir, BUNDLED_DOCS_ASSETS_DIR)).sort();

    // Assess
    expect(copied).toEqual(Object.keys(DOCS_ASSET_FILES).sort());
    for (const file of copied) {
      expect(readFileSync(join(assetDir, BUNDLED_DOCS_ASSETS_DIR, file))).toEqual(
        readFileSync(join(FUNCTIONS_DIR, '..', 'node_modules', 'swagger-ui-dist', file)),
      );
    }
  });

  it('warns at synth about a handler file nobody declared', () => {
    // The synth prints the warning through console.error; it is the expected outcome here, not noise to show.
    const printError = console.error;
    console.error = () => {};
    try {
      const { sweeper: _undeclared, ...catalog } = FUNCTION_CATALOG;
      const { stack } = synthStack({ catalog });
      Annotations.fromStack(stack).hasWarning('*', Match.stringLikeRegexp('functions/sweeper.ts is not deployed'));
    } finally {
      console.error = printError;
    }
  });

  it('refuses a catalog entry whose handler file does not exist', () => {
    const health = FUNCTION_CATALOG.health;
    if (health === undefined) throw new Error('the catalog deploys health');
    expect(() => synthStack({ catalog: { ...FUNCTION_CATALOG, 'not-written': health } })).toThrow(
      /not-written\.ts is missing/,
    );
  });
});

describe('SQS event sources', () => {
  const mappings = () => {
    const functions = new Map(resources(prod.template, 'AWS::Lambda::Function').map((fn) => [fn.logicalId, fn]));
    // SQS mappings only; the table stream's mapping (event-publisher) is pinned in domain-events.test.ts.
    return sqsMappings(prod.template).map((mapping) => ({
      mapping,
      fn: functions.get(mapping.properties.FunctionName.Ref),
    }));
  };

  it('exist for every queue consumer in the catalog', () => {
    const consumers = Object.values(FUNCTION_CATALOG).filter((spec) => spec.trigger.kind === 'queue');
    expect(sqsMappings(prod.template)).toHaveLength(consumers.length);
    expect(consumers.length).toBeGreaterThan(0);
  });

  it('report batch item failures', () => {
    for (const { mapping } of mappings()) {
      expect(asArray(mapping.properties.FunctionResponseTypes)).toContain('ReportBatchItemFailures');
    }
  });

  it('never allow more concurrency than the function has reserved', () => {
    for (const { mapping, fn } of mappings()) {
      const maxConcurrency: number | undefined = mapping.properties.ScalingConfig?.MaximumConcurrency;
      expect(maxConcurrency).toBeDefined();
      expect(fn?.properties.ReservedConcurrentExecutions).toBeGreaterThanOrEqual(maxConcurrency as number);
    }
  });

  it("bound the sender by the stage's send concurrency", () => {
    const sender = requiredFunction(prod.template, 'sender');
    expect(sender.properties.ReservedConcurrentExecutions).toBeGreaterThanOrEqual(prodConfig.sendConcurrency);
    prod.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: sender.logicalId },
      ScalingConfig: { MaximumConcurrency: prodConfig.sendConcurrency },
    });
  });

  it('follow the stage: dev sends with its own, smaller concurrency', () => {
    const dev = synthStage({ stage: 'dev' });
    const sender = requiredFunction(dev.template, 'sender');
    dev.template.hasResourceProperties('AWS::Lambda::EventSourceMapping', {
      FunctionName: { Ref: sender.logicalId },
      ScalingConfig: { MaximumConcurrency: STAGES.dev.sendConcurrency },
    });
  });

  it('cannot be bounded beyond reserved concurrency, nor consumed slower than the visibility timeout allows', () => {
    const stack = new Stack(testApp(), 'Guards');
    const queue = new DeadLetteredQueue(stack, 'Queue', {
      queueName: 'guards',
      consumerTimeout: Duration.seconds(30),
      maxReceiveCount: 5,
    });
    const consumer = (id: string, timeout: number, reservedConcurrency?: number) =>
      new ServiceFunction(stack, id, {
        handlerName: 'health',
        functionsDir: FUNCTIONS_DIR,
        description: id,
        environment: {},
        logRetention: RetentionDays.ONE_WEEK,
        retainLogs: false,
        timeout: Duration.seconds(timeout),
        reservedConcurrency,
      });
    expect(() => consumer('Unreserved', 30).consume(queue, { batchSize: 10, maxConcurrency: 5 })).toThrow(
      /reserved concurrency \(none\) must be >= maxConcurrency \(5\)/,
    );
    expect(() => consumer('Underreserved', 30, 4).consume(queue, { batchSize: 10, maxConcurrency: 5 })).toThrow(
      /reserved concurrency \(4\)/,
    );
    expect(() => consumer('Slow', 31, 5).consume(queue, { batchSize: 10, maxConcurrency: 5 })).toThrow(/timeout/);
    expect(() => consumer('Fits', 30, 5).consume(queue, { batchSize: 10, maxConcurrency: 5 })).not.toThrow();
  });

  it('refuse a catalog with two consumers on one queue', () => {
    const sender = FUNCTION_CATALOG.sender;
    if (sender === undefined) throw new Error('the catalog plans a sender');
    expect(() => synthStack({ catalog: { ...FUNCTION_CATALOG, 'second-sender': sender } })).toThrow(
      /both consume the send queue/,
    );
  });
});

/** Event source mappings reading a queue (a stream mapping reads the table's StreamArn). */
function sqsMappings(template: Parameters<typeof resources>[0]) {
  return resources(template, 'AWS::Lambda::EventSourceMapping').filter(
    (mapping) => mapping.properties.EventSourceArn?.['Fn::GetAtt']?.[1] !== 'StreamArn',
  );
}
