import type { APIGatewayProxyStructuredResultV2 } from 'aws-lambda';
import { DOCS_ASSET_FILES, type DocsAssetFile, readDocsAsset } from './docs-assets.js';
import { cachedOpenApiDocument, DOCS_INIT_SCRIPT } from './openapi/openapi-document.js';
import { HttpProblem } from './problem.js';
import { type PublicRoute, publicHttpHandler } from './public-http-handler.js';

/**
 * Paths are relative to /docs, so the page works wherever the API is mounted. The page loads nothing from another
 * host: its scripts and styles come from /docs/, the document from /api/v1/openapi.json, and the policy below lets a
 * browser load nothing else (Swagger UI's online validator badge is turned off).
 */
const PAGE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Broadcast service API</title>
<link rel="stylesheet" href="docs/swagger-ui.css">
</head>
<body>
<div id="swagger-ui"></div>
<script src="docs/swagger-ui-bundle.js"></script>
<script src="docs/${DOCS_INIT_SCRIPT}"></script>
</body>
</html>
`;

/** "Try it out" on every operation; the Authorize button takes the bearer token and sends it with each try. */
const INIT_SCRIPT = `window.ui = SwaggerUIBundle({
  url: 'api/v1/openapi.json',
  dom_id: '#swagger-ui',
  deepLinking: true,
  tryItOutEnabled: true,
  validatorUrl: null,
  persistAuthorization: false,
});
`;

const CONTENT_SECURITY_POLICY = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data:",
  "font-src 'self' data:",
  "connect-src 'self'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-ancestors 'none'",
].join('; ');

/** The docs need nothing from the runtime. */
type DocsRoute = PublicRoute<void>;

export const docsRoutes: Record<string, DocsRoute> = {
  'GET /api/v1/openapi.json': () => ({
    statusCode: 200,
    headers: { 'content-type': 'application/json', 'cache-control': 'public, max-age=300' },
    body: JSON.stringify(cachedOpenApiDocument()),
  }),

  'GET /docs': () => ({
    statusCode: 200,
    headers: {
      'content-type': 'text/html; charset=utf-8',
      'content-security-policy': CONTENT_SECURITY_POLICY,
      'x-content-type-options': 'nosniff',
      'referrer-policy': 'no-referrer',
      'cache-control': 'no-cache',
    },
    body: PAGE,
  }),

  'GET /docs/{asset}': (event) => {
    const name = event.pathParameters?.asset ?? '';
    if (name === DOCS_INIT_SCRIPT) return asset('text/javascript; charset=utf-8', Buffer.from(INIT_SCRIPT));
    if (!Object.hasOwn(DOCS_ASSET_FILES, name)) {
      throw new HttpProblem(404, 'route.not_found', `no asset ${name.slice(0, 64)} under /docs/`);
    }
    return asset(DOCS_ASSET_FILES[name as DocsAssetFile], readDocsAsset(name as DocsAssetFile));
  },
};

/** Base64: API Gateway passes a Lambda's body through as text unless it says it is base64-encoded. */
function asset(contentType: string, content: Buffer): APIGatewayProxyStructuredResultV2 {
  return {
    statusCode: 200,
    headers: {
      'content-type': contentType,
      'cache-control': 'public, max-age=3600',
      'x-content-type-options': 'nosniff',
    },
    body: content.toString('base64'),
    isBase64Encoded: true,
  };
}

/** The public docs function: the public middy stack (observability and problem+json, no token, no body). */
export function docsHandler(routes: Record<string, DocsRoute> = docsRoutes) {
  return publicHttpHandler(routes, () => undefined);
}
