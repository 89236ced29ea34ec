import { readFileSync } from 'node:fs';
import { z } from 'zod';
import { configSchema, setting } from '../../../lib/config.js';
import { localSettingsSchema } from '../../../local/local-settings.js';
import { CONFIGURATION_DOCS, renderConfigurationDocs, settingsTable } from '../../support/configuration-docs.js';

/** Where the page on disk first differs from the generated one, or undefined when they are the same. */
function firstDifference(onDisk: string, generated: string): string | undefined {
  if (onDisk === generated) return undefined;
  const disk = onDisk.split('\n');
  const wanted = generated.split('\n');
  const line = wanted.findIndex((text, index) => disk[index] !== text);
  const at = line === -1 ? wanted.length : line;
  return `docs/configuration.md line ${at + 1} differs from the schemas: run npm run docs:config`;
}

describe('docs/configuration.md', () => {
  it('is what npm run docs:config generates from the configuration schemas', () => {
    // Prepare
    const onDisk = readFileSync(CONFIGURATION_DOCS, 'utf8');

    // Act
    const generated = renderConfigurationDocs();

    // Assess
    expect(firstDifference(onDisk, generated)).toBeUndefined();
  });

  it('has a row for every variable of both schemas', () => {
    // Act
    const generated = renderConfigurationDocs();

    // Assess
    const rows = generated.split('\n').filter((line) => line.startsWith('| `'));
    const names = rows.map((row) => row.slice('| `'.length, row.indexOf('`', '| `'.length)));
    expect(names).toEqual([...Object.keys(configSchema.shape), ...Object.keys(localSettingsSchema.shape)]);
  });

  it('takes defaults and ranges from the schema itself', () => {
    // Prepare
    const schema = z.object({
      RETRIES: setting(z.coerce.number().int().min(1).max(9).default(3), {
        description: 'Tries.',
        setBy: ['operator'],
      }),
    });

    // Act
    const table = settingsTable(schema, { withSetBy: true });

    // Assess
    expect(table).toContain('| `RETRIES` | `3` | whole number, `1` to `9` | you | Tries. |');
  });

  it('refuses a variable declared without its documentation', () => {
    // Prepare
    const schema = z.object({ UNDOCUMENTED: z.string().optional() });

    // Act
    const render = () => settingsTable(schema, { withSetBy: true });

    // Assess
    expect(render).toThrow(/UNDOCUMENTED has no \{ description, setBy \} metadata/);
  });
});
