import { setTimeout as sleep } from 'node:timers/promises';

/**
 * The HTTP client of the end-to-end tests, the pipeline scenarios and the benchmarks: calls the API of a
 * running local runtime as a user would, with or without a bearer token.
 */

/** What a test sees of a response: the body parsed when it is JSON (problem+json included). */
export interface Reply {
  status: number;
  headers: Headers;
  // biome-ignore lint/suspicious/noExplicitAny: response bodies are asserted field by field
  body: any;
}

export interface Api {
  readonly baseUrl: string;
  /** Any answer; a `body` is sent as JSON. */
  request(method: string, path: string, body?: unknown): Promise<Reply>;
  get(path: string): Promise<Reply>;
  post(path: string, body?: unknown): Promise<Reply>;
  put(path: string, body?: unknown): Promise<Reply>;
  delete(path: string): Promise<Reply>;
  /** A body sent verbatim, for malformed JSON, other media types and oversized bodies. */
  raw(method: string, path: string, body: string, contentType: string): Promise<Reply>;
  /**
   * A call that must succeed: its body when the answer is 2xx; fails with the answer otherwise, once a 5xx or
   * a dropped connection has been tried again `retries` times.
   */
  ok(method: string, path: string, body?: unknown): Promise<Reply['body']>;
}

export interface ApiOptions {
  /** Sent as `Authorization: Bearer`; none: no Authorization header. */
  token?: string | undefined;
  /** How many times ok() tries again after a 5xx or a dropped connection. @default 0 */
  retries?: number;
  /** Sees every reply, e.g. to collect the server errors of a test file. */
  onReply?: (method: string, path: string, reply: Reply) => void;
}

export function apiClient(baseUrl: string, options: ApiOptions = {}): Api {
  const send = async (method: string, path: string, body?: string, contentType?: string): Promise<Reply> => {
    const headers: Record<string, string> = {};
    if (options.token) headers.authorization = `Bearer ${options.token}`;
    if (contentType) headers['content-type'] = contentType;
    const response = await fetch(`${baseUrl}${path}`, { method, headers, ...(body === undefined ? {} : { body }) });
    const text = await response.text();
    const json = (response.headers.get('content-type') ?? '').includes('json') && text !== '';
    const reply = { status: response.status, headers: response.headers, body: json ? JSON.parse(text) : text };
    options.onReply?.(method, path, reply);
    return reply;
  };
  const request = (method: string, path: string, body?: unknown) =>
    body === undefined ? send(method, path) : send(method, path, JSON.stringify(body), 'application/json');
  const retries = options.retries ?? 0;
  return {
    baseUrl,
    request,
    get: (path) => request('GET', path),
    post: (path, body) => request('POST', path, body),
    put: (path, body) => request('PUT', path, body),
    delete: (path) => request('DELETE', path),
    raw: (method, path, body, contentType) => send(method, path, body, contentType),
    ok: async (method, path, body) => {
      for (let attempt = 0; ; attempt++) {
        let reply: Reply | undefined;
        let failure: unknown;
        try {
          reply = await request(method, path, body);
        } catch (error) {
          failure = error;
        }
        if (reply && reply.status >= 200 && reply.status < 300) return reply.body;
        const retryable = !reply || reply.status >= 500;
        if (!retryable || attempt >= retries) {
          const answer = reply ? `${reply.status}: ${JSON.stringify(reply.body)}` : String(failure);
          throw new Error(`${method} ${path} answered ${answer}`, { cause: failure });
        }
        await sleep(200 * (attempt + 1));
      }
    },
  };
}
