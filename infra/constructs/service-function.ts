import { join } from 'node:path';
import { Duration, RemovalPolicy, Tags } from 'aws-cdk-lib';
import { Role, ServicePrincipal } from 'aws-cdk-lib/aws-iam';
import { ApplicationLogLevel, Architecture, LoggingFormat, Runtime, Tracing } from 'aws-cdk-lib/aws-lambda';
import { SqsEventSource } from 'aws-cdk-lib/aws-lambda-event-sources';
import { type ICommandHooks, LogLevel, NodejsFunction, OutputFormat } from 'aws-cdk-lib/aws-lambda-nodejs';
import { LogGroup, type RetentionDays } from 'aws-cdk-lib/aws-logs';
import { Construct } from 'constructs';
import type { DeadLetteredQueue } from './queues.js';

/** Tag on every function naming its entry file, so tools and tests can map a deployed function back to its source. */
export const HANDLER_TAG = 'broadcast:handler';

/**
 * esbuild's ESM output has no `require`; CommonJS dependencies that call it need one. The alias avoids clashing with
 * a `createRequire` esbuild may hoist from a bundled module.
 */
const ESM_REQUIRE_BANNER =
  "import { createRequire as topLevelCreateRequire } from 'node:module'; const require = topLevelCreateRequire(import.meta.url);";

export interface ServiceFunctionProps {
  /** The entry file is `<functionsDir>/<handlerName>.ts`, exporting `handler`. */
  readonly handlerName: string;
  readonly functionsDir: string;
  readonly description: string;
  readonly environment: Readonly<Record<string, string>>;
  readonly logRetention: RetentionDays;
  readonly retainLogs: boolean;
  /** @default 512 MB: on arm64 the extra CPU shortens cold starts more than it costs. */
  readonly memorySize?: number;
  /** @default 10 s: HTTP handlers answer well within API Gateway's 30 s; queue consumers pass their queue's. */
  readonly timeout?: Duration;
  /** Reserved concurrency; required for (and at least) any bounded SQS event source. */
  readonly reservedConcurrency?: number;
  /** Files (relative to the project root) copied into `into` beside the bundle, for the handler to read at run time. */
  readonly packageFiles?: { readonly into: string; readonly files: readonly string[] };
}

/** Bundling hooks that copy files from the project (the bundling input) into a folder of the bundle. */
function copyAfterBundling(files: { readonly into: string; readonly files: readonly string[] }): ICommandHooks {
  return {
    beforeBundling: () => [],
    beforeInstall: () => [],
    afterBundling: (inputDir, outputDir) => [
      `mkdir -p "${join(outputDir, files.into)}"`,
      ...files.files.map((file) => `cp "${join(inputDir, file)}" "${join(outputDir, files.into)}/"`),
    ],
  };
}

export interface ConsumeOptions {
  readonly batchSize: number;
  /** Concurrent invocations this queue may drive (Lambda accepts 2-1000). */
  readonly maxConcurrency: number;
  /** How long to gather a batch; required (>= 1 s) by Lambda for a batchSize above 10. */
  readonly maxBatchingWindow?: Duration;
}

/**
 * One Lambda entry point of functions/, with every default in one place: Node.js 22 on arm64, ESM bundled locally
 * by esbuild (no Docker), minified with source maps, the AWS SDK bundled (the version the tests ran, not the one
 * the runtime happens to ship), JSON logs into a log group with explicit retention, X-Ray active tracing.
 */
export class ServiceFunction extends Construct {
  readonly function: NodejsFunction;
  readonly handlerName: string;
  readonly reservedConcurrency: number | undefined;

  constructor(scope: Construct, id: string, props: ServiceFunctionProps) {
    super(scope, id);
    this.handlerName = props.handlerName;
    this.reservedConcurrency = props.reservedConcurrency;
    const logGroup = new LogGroup(this, 'Logs', {
      retention: props.logRetention,
      removalPolicy: props.retainLogs ? RemovalPolicy.RETAIN : RemovalPolicy.DESTROY,
    });
    // A role of its own instead of the default one with AWSLambdaBasicExecutionRole, whose log permissions cover
    // every log group of the account: this one may write to its own log group only.
    const role = new Role(this, 'Role', { assumedBy: new ServicePrincipal('lambda.amazonaws.com') });
    logGroup.grantWrite(role);
    this.function = new NodejsFunction(this, 'Function', {
      role,
      entry: join(props.functionsDir, `${props.handlerName}.ts`),
      handler: 'handler',
      description: props.description,
      runtime: Runtime.NODEJS_22_X,
      architecture: Architecture.ARM_64,
      memorySize: props.memorySize ?? 512,
      timeout: props.timeout ?? Duration.seconds(10),
      reservedConcurrentExecutions: props.reservedConcurrency,
      tracing: Tracing.ACTIVE,
      logGroup,
      loggingFormat: LoggingFormat.JSON,
      applicationLogLevelV2: ApplicationLogLevel.INFO,
      environment: { NODE_OPTIONS: '--enable-source-maps', ...props.environment },
      bundling: {
        format: OutputFormat.ESM,
        target: 'node22',
        mainFields: ['module', 'main'],
        banner: ESM_REQUIRE_BANNER,
        minify: true,
        sourceMap: true,
        sourcesContent: false,
        bundleAwsSDK: true,
        forceDockerBundling: false,
        logLevel: LogLevel.WARNING,
        ...(props.packageFiles ? { commandHooks: copyAfterBundling(props.packageFiles) } : {}),
      },
    });
    Tags.of(this.function).add(HANDLER_TAG, `functions/${props.handlerName}.ts`);
  }

  /**
   * Makes this function the consumer of a queue: partial batch failures reported (one bad message never fails its
   * batch-mates), parallelism bounded by the event source's maxConcurrency. Reserved concurrency must be at least
   * that, or the poller gets throttled invocations that burn receive counts and push good messages into the DLQ
   * (docs/design.md section 5).
   */
  consume(source: DeadLetteredQueue, options: ConsumeOptions): void {
    const timeout = this.function.timeout ?? Duration.seconds(3);
    if (timeout.toSeconds() > source.consumerTimeout.toSeconds()) {
      throw new Error(`${this.handlerName}: timeout exceeds the consumer timeout its queue's visibility is sized for`);
    }
    if (this.reservedConcurrency === undefined || this.reservedConcurrency < options.maxConcurrency) {
      throw new Error(
        `${this.handlerName}: reserved concurrency (${this.reservedConcurrency ?? 'none'}) must be >= maxConcurrency ` +
          `(${options.maxConcurrency}) so the SQS poller is never throttled`,
      );
    }
    this.function.addEventSource(
      new SqsEventSource(source.queue, {
        batchSize: options.batchSize,
        maxConcurrency: options.maxConcurrency,
        ...(options.maxBatchingWindow === undefined ? {} : { maxBatchingWindow: options.maxBatchingWindow }),
        reportBatchItemFailures: true,
      }),
    );
  }
}
