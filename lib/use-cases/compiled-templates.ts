import type { Broadcast } from '../domain/broadcast.js';
import { type CompiledMessageTemplate, compileMessageTemplate } from '../domain/template-rendering.js';

/** Enough for the broadcasts one sender process works on at a time; past it, the cache starts afresh. */
const MAX_CACHED = 500;
const compiledTemplates = new Map<string, CompiledMessageTemplate>();

/** The broadcast's message template, parsed once per broadcast version and kept for the life of the process. */
export function compiledTemplateOf(broadcast: Broadcast): CompiledMessageTemplate {
  const key = `${broadcast.tenantId}/${broadcast.id}/${broadcast.version}`;
  let compiled = compiledTemplates.get(key);
  if (!compiled) {
    compiled = compileMessageTemplate(broadcast.messageTemplate);
    if (compiledTemplates.size >= MAX_CACHED) compiledTemplates.clear();
    compiledTemplates.set(key, compiled);
  }
  return compiled;
}
