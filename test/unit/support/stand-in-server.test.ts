import { RequestWaiters, readBody, startStandInServer, stopStandInServer } from '../../support/stand-in-server.js';

describe('startStandInServer', () => {
  it('answers on 127.0.0.1 with what the handler writes, the whole body read', async () => {
    // Prepare
    const { server, origin } = await startStandInServer(async (request, response) => {
      const body = await readBody(request);
      response.writeHead(200, { 'content-type': 'text/plain' }).end(`got ${body.length} bytes`);
    });

    // Act
    const response = await fetch(`${origin}/anything`, { method: 'POST', body: 'x'.repeat(100_000) });
    const text = await response.text();
    await stopStandInServer(server);

    // Assess
    expect(origin).toMatch(/^http:\/\/127\.0\.0\.1:\d+$/);
    expect(text).toBe('got 100000 bytes');
  });

  it('cuts the connection of a request whose handler failed', async () => {
    // Prepare
    const { server, origin } = await startStandInServer(async () => {
      throw new Error('handler bug');
    });

    // Act
    const outcome = await fetch(origin).then(
      () => 'answered',
      () => 'cut',
    );
    await stopStandInServer(server);

    // Assess
    expect(outcome).toBe('cut');
  });
});

describe('RequestWaiters', () => {
  it('resolves once the condition holds at a check', async () => {
    // Prepare
    const waiters = new RequestWaiters();
    let requests = 0;
    const waiting = waiters.until(
      () => requests >= 2,
      5_000,
      () => 'never',
    );

    // Act
    requests = 2;
    waiters.check();

    // Assess
    await expect(waiting).resolves.toBeUndefined();
  });

  it("fails with the timeout's words when the condition never holds", async () => {
    // Prepare
    const waiters = new RequestWaiters();

    // Act
    const waiting = waiters.until(
      () => false,
      10,
      () => 'timed out waiting for 2 requests',
    );

    // Assess
    await expect(waiting).rejects.toThrow('timed out waiting for 2 requests');
  });
});
