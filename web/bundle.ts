import { fileURLToPath } from 'node:url';
import { type BuildOptions, type BuildResult, build, buildSync } from 'esbuild';

/** The single-page app's entry; everything it imports (Preact, uPlot, its CSS) ends up in one script and one sheet. */
const ENTRY = fileURLToPath(new URL('./src/main.tsx', import.meta.url));

export interface DashboardFile {
  contents: Uint8Array;
  contentType: string;
}

/** The dashboard's files by URL path: `/index.html`, `/assets/app.js`, `/assets/app.css`. */
export type DashboardBundle = ReadonlyMap<string, DashboardFile>;

export const INDEX_HTML = `<!doctype html>
<html lang="en">
  <head>
    <meta charset="utf-8" />
    <meta name="viewport" content="width=device-width, initial-scale=1" />
    <meta name="referrer" content="no-referrer" />
    <title>Broadcasts</title>
    <link rel="stylesheet" href="/assets/app.css" />
  </head>
  <body>
    <div id="app"><p>Loading the dashboard...</p></div>
    <noscript>The dashboard needs JavaScript.</noscript>
    <script type="module" src="/assets/app.js"></script>
  </body>
</html>
`;

const BUILD_OPTIONS = {
  entryPoints: { app: ENTRY },
  bundle: true,
  write: false,
  outdir: '/assets',
  format: 'esm',
  target: 'es2022',
  platform: 'browser',
  jsx: 'automatic',
  jsxImportSource: 'preact',
  sourcemap: false,
  legalComments: 'none',
  logLevel: 'silent',
} satisfies BuildOptions;

/**
 * Bundles the dashboard in memory with esbuild (the bundler the Lambda functions already use): `npm start` serves the
 * result and the CDK stack uploads it, so there is no build step to forget and no stale bundle to serve.
 */
export async function bundleDashboard(options: { minify?: boolean } = {}): Promise<DashboardBundle> {
  return filesOf(await build({ ...BUILD_OPTIONS, minify: options.minify ?? true }));
}

/** The same, synchronously: CDK builds its constructs synchronously. */
export function bundleDashboardSync(): DashboardBundle {
  return filesOf(buildSync({ ...BUILD_OPTIONS, minify: true }));
}

function filesOf(result: BuildResult<{ write: false }>): DashboardBundle {
  const files = new Map<string, DashboardFile>([
    ['/index.html', { contents: new TextEncoder().encode(INDEX_HTML), contentType: 'text/html; charset=utf-8' }],
  ]);
  for (const file of result.outputFiles) {
    const path = file.path.slice(file.path.indexOf('/assets/'));
    const contentType = path.endsWith('.css') ? 'text/css; charset=utf-8' : 'text/javascript; charset=utf-8';
    files.set(path, { contents: file.contents, contentType });
  }
  return files;
}
