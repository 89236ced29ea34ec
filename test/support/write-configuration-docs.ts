import { mkdirSync, writeFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { CONFIGURATION_DOCS, renderConfigurationDocs } from './configuration-docs.js';

/** `npm run docs:config`: rewrites docs/configuration.md from the configuration schemas. */
mkdirSync(new URL('.', CONFIGURATION_DOCS), { recursive: true });
writeFileSync(CONFIGURATION_DOCS, renderConfigurationDocs());
process.stdout.write(`wrote ${fileURLToPath(CONFIGURATION_DOCS)}\n`);
