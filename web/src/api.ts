import { currentToken, signedOut } from './auth.js';
import { dashboardConfig } from './config.js';

/** An answer other than 2xx, with what the operator should read: the problem's `detail`, never a blank. */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    readonly code: string | undefined,
    message: string,
    readonly fieldErrors: readonly { field: string; message: string }[] = [],
  ) {
    super(message);
    this.name = 'ApiError';
  }
}

interface Problem {
  detail?: unknown;
  title?: unknown;
  code?: unknown;
  message?: unknown;
  errors?: unknown;
}

/** The operator-facing sentence of a failed answer: problem+json `detail`, else its title, else the status. */
export async function errorOf(response: Response): Promise<ApiError> {
  let problem: Problem = {};
  try {
    problem = (await response.json()) as Problem;
  } catch {
    // Not JSON (a proxy's page, an empty body): the status line is all there is to say.
  }
  const text = [problem.detail, problem.title, problem.message].find((v) => typeof v === 'string' && v !== '');
  const errors = Array.isArray(problem.errors) ? (problem.errors as { field: string; message: string }[]) : [];
  return new ApiError(
    response.status,
    typeof problem.code === 'string' ? problem.code : undefined,
    (text as string | undefined) ?? `The server answered ${response.status} ${response.statusText}`.trim(),
    errors,
  );
}

export async function apiRequest<T>(method: string, path: string, body?: unknown): Promise<T> {
  const token = currentToken();
  const headers: Record<string, string> = { accept: 'application/json' };
  if (token) headers.authorization = `Bearer ${token}`;
  if (body !== undefined) headers['content-type'] = 'application/json';
  let response: Response;
  try {
    response = await fetch(`${dashboardConfig().apiBase}${path}`, {
      method,
      headers,
      ...(body !== undefined ? { body: JSON.stringify(body) } : {}),
    });
  } catch (error) {
    throw new ApiError(0, 'network', `The service could not be reached: ${(error as Error).message}`);
  }
  if (!response.ok) {
    const error = await errorOf(response);
    if (response.status === 401) signedOut(error.message);
    throw error;
  }
  if (response.status === 204) return undefined as T;
  return (await response.json()) as T;
}

export const api = {
  get: <T>(path: string) => apiRequest<T>('GET', path),
  post: <T>(path: string, body?: unknown) => apiRequest<T>('POST', path, body),
  put: <T>(path: string, body?: unknown) => apiRequest<T>('PUT', path, body),
  delete: (path: string) => apiRequest<void>('DELETE', path),
};

export interface Page<T> {
  items: T[];
  next_cursor: string | null;
}

/** Follows the cursors of a collection until the end or `maxItems`; `complete` says whether it reached the end. */
export async function collect<T>(
  path: string,
  maxItems: number,
  keep: (item: T) => boolean = () => true,
): Promise<{ items: T[]; complete: boolean; examined: number }> {
  const items: T[] = [];
  let cursor: string | null = null;
  let examined = 0;
  do {
    const separator = path.includes('?') ? '&' : '?';
    const page: Page<T> = await api.get<Page<T>>(
      `${path}${separator}limit=1000${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`,
    );
    examined += page.items.length;
    items.push(...page.items.filter(keep));
    cursor = page.next_cursor;
  } while (cursor && examined < maxItems);
  return { items, complete: cursor === null, examined };
}
