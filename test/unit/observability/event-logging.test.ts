import { envForFile } from '../../support/env.js';
import { jsonOutputOfEachTest } from './json-output.js';
import { aLambdaContext } from './lambda-context.js';

// Issue 11, section 3: no secret in the logs. Powertools logs each invocation's whole event when
// POWERTOOLS_LOGGER_LOG_EVENT is true (read when the logger is created, hence the imports after it): a
// `POST /api/v1/channels` body with a webhook secret or a WhatsApp token, contacts' addresses in queue messages. The
// handler stack refuses to, whatever the environment says.
envForFile({ POWERTOOLS_LOGGER_LOG_EVENT: 'true', POWERTOOLS_LOG_LEVEL: 'DEBUG' });
const { logger } = await import('../../../lib/observability/logger.js');
const { observedHandler } = await import('../../../lib/observability/observed-handler.js');

const stdout = jsonOutputOfEachTest();
const SECRET = 'whsec-never-logged-0123456789';

describe('observedHandler and the invocation event', () => {
  it('never logs the event, even with POWERTOOLS_LOGGER_LOG_EVENT=true', async () => {
    // Prepare
    const handler = observedHandler<{ body: string }, void>().handler(async () => {
      logger.info('handled');
    });
    const event = { body: JSON.stringify({ name: 'CRM hook', type: 'webhook', config: { secret: SECRET } }) };

    // Act
    await handler(event, aLambdaContext('req-1'));

    // Assess
    expect(stdout.lines().map((line) => line.message)).toContain('handled');
    expect(JSON.stringify(stdout.lines())).not.toContain(SECRET);
  });
});
