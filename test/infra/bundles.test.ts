import { readdirSync } from 'node:fs';
import { join, relative } from 'node:path';
import { build } from 'esbuild';
import { FUNCTIONS_DIR } from './support/synth.js';

// Issue 9: the local runtime (local/) is a development tool, not library code; no Lambda bundle may carry it.

const ROOT = join(FUNCTIONS_DIR, '..');
const HANDLER_FILES = readdirSync(FUNCTIONS_DIR).filter((file) => file.endsWith('.ts') && !file.endsWith('.d.ts'));

/** The source files esbuild puts into a function's bundle, as the CDK bundles it (ESM, node22, SDK included). */
async function bundledSources(file: string): Promise<string[]> {
  const result = await build({
    entryPoints: [join(FUNCTIONS_DIR, file)],
    bundle: true,
    write: false,
    metafile: true,
    platform: 'node',
    format: 'esm',
    target: 'node22',
    mainFields: ['module', 'main'],
    logLevel: 'silent',
  });
  return Object.keys(result.metafile.inputs).map((input) => relative(ROOT, join(ROOT, input)));
}

describe('Lambda bundles', () => {
  it('finds handlers to bundle', () => {
    expect(HANDLER_FILES.length).toBeGreaterThan(5);
  });

  it.each(HANDLER_FILES)('functions/%s carries no file of local/', async (file) => {
    // Act
    const sources = await bundledSources(file);

    // Assess
    expect(sources).toContain(`functions/${file}`);
    expect(sources.filter((source) => source.startsWith('local/'))).toEqual([]);
  });
});
