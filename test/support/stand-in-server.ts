import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

export interface StandInServerOptions {
  /** The port to listen on (127.0.0.1); a free one when unset. */
  port?: number | undefined;
  /** Server timeouts off, so that a slow or held answer is never cut by the server itself. */
  noRequestTimeout?: boolean;
  keepAliveTimeoutMs?: number;
}

/**
 * An HTTP server on 127.0.0.1 for a stand-in or a sink: `handle` answers each request (a failure destroys that
 * response); `origin` is `http://127.0.0.1:<port>`. `handle` is called lazily, so it may reach an object built
 * from the server once this resolves.
 */
export async function startStandInServer(
  handle: (request: IncomingMessage, response: ServerResponse) => Promise<void> | undefined,
  options: StandInServerOptions = {},
): Promise<{ server: Server; origin: string }> {
  const server = createServer((request, response) => {
    void handle(request, response)?.catch((error: unknown) => response.destroy(error as Error));
  });
  if (options.noRequestTimeout) server.requestTimeout = 0;
  if (options.keepAliveTimeoutMs !== undefined) server.keepAliveTimeout = options.keepAliveTimeoutMs;
  await new Promise<void>((done, fail) => {
    server.once('error', fail);
    server.listen(options.port ?? 0, '127.0.0.1', () => {
      server.off('error', fail);
      done();
    });
  });
  const { port } = server.address() as AddressInfo;
  return { server, origin: `http://127.0.0.1:${port}` };
}

/** Closes the server, cutting the connections still open (kept alive, or an answer held on purpose). */
export async function stopStandInServer(server: Server): Promise<void> {
  await new Promise<void>((done) => {
    server.close(() => done());
    server.closeAllConnections();
  });
}

/** A request's whole body. */
export function readBody(request: IncomingMessage): Promise<Buffer> {
  return new Promise((done, fail) => {
    const chunks: Buffer[] = [];
    request.on('data', (chunk: Buffer) => chunks.push(chunk));
    request.on('end', () => done(Buffer.concat(chunks)));
    request.on('error', fail);
  });
}

/** Waits for a condition on what a stand-in received, checked each time it calls `check()` (after every request). */
export class RequestWaiters {
  #checks: (() => void)[] = [];

  /** Resolves when `holds()` does; fails with `timedOut()`'s words after `timeoutMs`. */
  async until(holds: () => boolean, timeoutMs: number, timedOut: () => string): Promise<void> {
    if (holds()) return;
    await new Promise<void>((done, fail) => {
      const check = () => {
        if (!holds()) return;
        clearTimeout(timer);
        this.#checks = this.#checks.filter((other) => other !== check);
        done();
      };
      const timer = setTimeout(() => {
        this.#checks = this.#checks.filter((other) => other !== check);
        fail(new Error(timedOut()));
      }, timeoutMs);
      this.#checks.push(check);
    });
  }

  /** Runs every waiting check (call after each request). */
  check(): void {
    for (const check of [...this.#checks]) check();
  }
}
