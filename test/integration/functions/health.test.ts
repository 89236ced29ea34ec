import { handler } from '../../../functions/health.js';
import { lambdaContext, publicHttpApiEvent } from '../../support/lambda-events.js';

describe('functions/health.ts', () => {
  it('answers GET /health with 200 and a JSON status, touching no dependency', async () => {
    // Prepare: no table, no queue, no configuration at all
    const event = publicHttpApiEvent({ method: 'GET', route: '/health' });

    // Act
    const response = await handler(event, lambdaContext('health'));

    // Assess
    expect(response).toEqual({
      statusCode: 200,
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ status: 'ok' }),
    });
  });
});
