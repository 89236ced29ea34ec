import { getRuntime } from '../lib/composition-root.js';
import { ConfigError } from '../lib/config.js';
import { devToken } from './dev-token.js';
import { JavaMissingError } from './dynamodb-local.js';
import { loadLocalSettings, startLocalRuntime } from './local-runtime.js';

/** `npm start`: the whole service on this machine, no AWS account needed. */
async function main(): Promise<void> {
  // Node 20 is what this machine has; Lambda runs 22. The SDK's reminder would only add noise here.
  process.env.AWS_SDK_JS_NODE_VERSION_SUPPORT_WARNING_DISABLED ??= 'true';
  const settings = loadLocalSettings();
  const runtime = await startLocalRuntime(settings);
  const { config } = getRuntime();
  // Pinned to a tenant (TENANT_ID), the server accepts that tenant's tokens only.
  const tenantId = config.TENANT_ID ?? 'acme';
  const token = await devToken(settings, config, { tenantId, role: 'admin' });
  const where = settings.DATA_DIR ? `data kept in ${settings.DATA_DIR}` : 'data in memory (set DATA_DIR to keep it)';
  process.stdout.write(
    [
      '',
      `Broadcast service listening on ${runtime.url} (DynamoDB at ${runtime.dynamoDbEndpoint}, ${where})`,
      '',
      `Dev token for tenant "${tenantId}", role admin, valid 24 h (another: npm run token -- --tenant <id> --role viewer):`,
      `  export TOKEN=${token}`,
      '',
      // In the fragment, never the query: a browser sends neither it to the server nor in a Referer.
      `Dashboard (signed in as above): ${runtime.url}/#token=${token}`,
      `API reference (Authorize with the token above to try a route): ${runtime.url}/docs`,
      '',
      'Try:',
      `  curl -s -X POST ${runtime.url}/api/v1/contacts -H "Authorization: Bearer $TOKEN" \\`,
      `    -H 'content-type: application/json' -d '{"name":"Ada","email":"ada@example.com","tags":["newsletter"]}'`,
      '',
      'Ctrl-C stops everything.',
      '',
    ].join('\n'),
  );
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stdout.write(`\n${signal}: stopping...\n`);
    runtime.stop().then(
      () => process.exit(0),
      (error) => {
        process.stderr.write(`error while stopping: ${(error as Error).message}\n`);
        process.exit(1);
      },
    );
  };
  process.on('SIGINT', () => stop('SIGINT'));
  process.on('SIGTERM', () => stop('SIGTERM'));
}

main().catch((error) => {
  const known =
    error instanceof JavaMissingError || error instanceof ConfigError || (error as Error).name === 'ZodError';
  process.stderr.write(`${known ? (error as Error).message : (error as Error).stack}\n`);
  process.exit(1);
});
