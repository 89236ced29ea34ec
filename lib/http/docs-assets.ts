import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

/**
 * The files of the API reference page (Swagger UI, from the npm package swagger-ui-dist), served by the service
 * itself under /docs/: nothing is fetched from a CDN or a font host, so the page works offline. In a Lambda bundle
 * they sit in `docs-assets/` beside the handler (copied at bundling, infra/constructs/service-function.ts); run
 * from source, they are read from node_modules.
 */
export const DOCS_ASSET_FILES = {
  'swagger-ui.css': 'text/css; charset=utf-8',
  'swagger-ui-bundle.js': 'text/javascript; charset=utf-8',
} as const;
export type DocsAssetFile = keyof typeof DOCS_ASSET_FILES;

/** Where the bundler puts the files, relative to the bundled handler. */
export const BUNDLED_DOCS_ASSETS_DIR = 'docs-assets';

const cache = new Map<DocsAssetFile, Buffer>();

export function readDocsAsset(name: DocsAssetFile): Buffer {
  let content = cache.get(name);
  if (!content) {
    content = readFileSync(docsAssetPath(name));
    cache.set(name, content);
  }
  return content;
}

function docsAssetPath(name: DocsAssetFile): string {
  const bundled = join(dirname(fileURLToPath(import.meta.url)), BUNDLED_DOCS_ASSETS_DIR, name);
  if (existsSync(bundled)) return bundled;
  return createRequire(import.meta.url).resolve(`swagger-ui-dist/${name}`);
}
