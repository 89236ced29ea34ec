import type { ServerResponse } from 'node:http';
import { bundleDashboard, type DashboardBundle } from '../web/bundle.js';

/** What the SPA reads at start to know how to sign in: locally, the development token `npm start` prints. */
const LOCAL_DASHBOARD_CONFIG = { auth: { kind: 'dev-token' }, apiBase: '' };

/**
 * Same-origin only: the SPA's own script and sheet, the API on the same host, images inline; uPlot sizes its canvas
 * with style attributes, hence 'unsafe-inline' for styles alone.
 */
const SECURITY_HEADERS = {
  'content-security-policy':
    "default-src 'self'; script-src 'self'; style-src 'self' 'unsafe-inline'; img-src 'self' data:; " +
    "connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'",
  'referrer-policy': 'no-referrer',
  'x-content-type-options': 'nosniff',
  'cache-control': 'no-cache',
};

/**
 * The operator dashboard on the local server: `/` and `/assets/*`, bundled in memory on the first request (esbuild
 * takes well under a second) and kept; `/config.json` tells the SPA to sign in with the development token.
 */
export class DashboardAssets {
  private bundle: Promise<DashboardBundle> | undefined;

  handles(method: string, pathname: string): boolean {
    return method === 'GET' && (pathname === '/' || pathname === '/config.json' || pathname.startsWith('/assets/'));
  }

  async serve(pathname: string, res: ServerResponse): Promise<void> {
    if (pathname === '/config.json') {
      res.writeHead(200, { 'content-type': 'application/json', ...SECURITY_HEADERS });
      res.end(JSON.stringify(LOCAL_DASHBOARD_CONFIG));
      return;
    }
    this.bundle ??= bundleDashboard().catch((error: unknown) => {
      // A broken build is not kept: the next request tries again (after the source is fixed).
      this.bundle = undefined;
      throw error;
    });
    const file = (await this.bundle).get(pathname === '/' ? '/index.html' : pathname);
    if (file === undefined) {
      res.writeHead(404, { 'content-type': 'text/plain; charset=utf-8', ...SECURITY_HEADERS });
      res.end('not found');
      return;
    }
    res.writeHead(200, { 'content-type': file.contentType, ...SECURITY_HEADERS });
    res.end(file.contents);
  }
}
