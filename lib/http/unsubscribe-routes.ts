import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { getRuntime } from '../composition-root.js';
import { logger } from '../observability/logger.js';
import { resolveUnsubscribeToken, type UnsubscribeDeps, unsubscribeContact } from '../use-cases/unsubscribe-contact.js';
import type { HttpEvent } from './middlewares.js';
import { type PublicRoute, publicHttpHandler } from './public-http-handler.js';
import { json } from './request.js';

/** A public route: no tenant (the signed token names it), no parsed body. */
export type UnsubscribeRoute = PublicRoute<UnsubscribeDeps>;

/**
 * The link in every message. GET only shows a confirmation page: mail scanners and link previewers fetch
 * links, and must not opt anybody out. POST opts out, whatever its body: the page's form, or a mail
 * client's RFC 8058 one-click POST (`List-Unsubscribe=One-Click`, form-encoded).
 */
export const unsubscribeRoutes: Record<string, UnsubscribeRoute> = {
  'GET /unsubscribe/{token}': async (event, deps) => {
    const { contact } = await resolveUnsubscribeToken(deps, tokenOf(event));
    return contact.optedOut
      ? html(page('You are unsubscribed', 'You will not receive these messages any more.'))
      : html(confirmationPage);
  },

  'POST /unsubscribe/{token}': async (event, deps) => {
    const { target, contact, changed } = await unsubscribeContact(deps, tokenOf(event));
    if (changed) {
      logger.info('contact unsubscribed through its link', {
        tenantId: target.tenantId,
        contactId: target.contactId,
        broadcastId: target.broadcastId,
      });
    }
    if (prefersJson(event.headers?.accept)) {
      return json(200, { unsubscribed: true, opted_out: true, opted_out_at: contact.optedOutAt ?? null });
    }
    return html(page('You are unsubscribed', 'You will not receive these messages any more.'));
  },
};

/** The unsubscribe function: the public middy stack (no tenant, no JSON body; problem+json on errors). */
export function unsubscribeHandler(
  routes: Record<string, UnsubscribeRoute> = unsubscribeRoutes,
  deps: () => UnsubscribeDeps = runtimeDeps,
) {
  return publicHttpHandler(routes, deps);
}

function runtimeDeps(): UnsubscribeDeps {
  const { deps } = getRuntime();
  return { contacts: deps.contacts, clock: deps.clock, unsubscribeLinks: deps.unsubscribeLinks };
}

function tokenOf(event: HttpEvent): string {
  return event.pathParameters?.token ?? '';
}

/** True when the Accept header ranks application/json above text/html (absent: HTML, for browsers). */
export function prefersJson(accept: string | undefined): boolean {
  if (!accept) return false;
  const ranges = accept.split(',').map((part) => {
    const [type = '', ...params] = part.split(';').map((s) => s.trim().toLowerCase());
    const q = params.find((p) => p.startsWith('q='));
    const quality = q ? Number(q.slice(2)) : 1;
    return { type, quality: Number.isFinite(quality) ? quality : 0 };
  });
  const qualityOf = (type: string) => {
    const [major] = type.split('/');
    const exact = ranges.find((r) => r.type === type);
    const partial = ranges.find((r) => r.type === `${major}/*`);
    const any = ranges.find((r) => r.type === '*/*');
    return (exact ?? partial ?? any)?.quality ?? 0;
  };
  return qualityOf('application/json') > qualityOf('text/html');
}

const HTML_HEADERS = {
  'content-type': 'text/html; charset=utf-8',
  'cache-control': 'no-store',
  // The token is in the URL: keep it out of referrers, indexes and frames.
  'referrer-policy': 'no-referrer',
  'x-robots-tag': 'noindex, nofollow',
  'x-content-type-options': 'nosniff',
  'content-security-policy':
    "default-src 'none'; style-src 'unsafe-inline'; form-action 'self'; frame-ancestors 'none'; base-uri 'none'",
};

function html(body: string): APIGatewayProxyStructuredResultV2 {
  return { statusCode: 200, headers: HTML_HEADERS, body };
}

const ESCAPES: Record<string, string> = { '&': '&amp;', '<': '&lt;', '>': '&gt;', '"': '&quot;', "'": '&#39;' };

export function escapeHtml(text: string): string {
  return text.replace(/[&<>"']/g, (c) => ESCAPES[c] ?? c);
}

/** A self-contained page: inline style, no script, no external asset. */
function page(title: string, message: string, form = ''): string {
  return `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta name="robots" content="noindex, nofollow">
<title>${escapeHtml(title)}</title>
<style>
body{font-family:system-ui,-apple-system,Segoe UI,Roboto,sans-serif;background:#f6f7f9;color:#1f2328;margin:0}
main{max-width:28rem;margin:4rem auto;padding:2rem;background:#fff;border-radius:8px;box-shadow:0 1px 3px rgba(0,0,0,.12)}
h1{font-size:1.4rem;margin:0 0 1rem}
button{font:inherit;padding:.6rem 1.2rem;border:0;border-radius:6px;background:#1f6feb;color:#fff;cursor:pointer}
</style>
</head>
<body>
<main>
<h1>${escapeHtml(title)}</h1>
<p>${escapeHtml(message)}</p>${form}
</main>
</body>
</html>
`;
}

// No action attribute: the form posts back to the very URL it came from, whatever the stage or domain.
const confirmationPage = page(
  'Unsubscribe',
  'Do you want to stop receiving these messages?',
  `
<form method="post">
<input type="hidden" name="List-Unsubscribe" value="One-Click">
<button type="submit">Unsubscribe</button>
</form>`,
);
