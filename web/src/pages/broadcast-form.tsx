import { useEffect, useState } from 'preact/hooks';
import { api, collect } from '../api.js';
import { ErrorMessage } from '../components/error-message.js';
import { useAction, useDebounced, useLoad } from '../hooks.js';
import { formatCount } from '../logic/format.js';
import { href, navigate } from '../router.js';
import type { Broadcast, Channel, Contact, ContactList, Preview } from '../types.js';

interface FormState {
  name: string;
  listId: string;
  channelId: string;
  type: 'text' | 'template' | 'media';
  content: string;
  subject: string;
  templateId: string;
  variables: string;
  mediaUrl: string;
  rateLimit: string;
  timezone: string;
}

const EMPTY: FormState = {
  name: '',
  listId: '',
  channelId: '',
  type: 'text',
  content: 'Hi {{contact.name}}!',
  subject: '',
  templateId: '',
  variables: '',
  mediaUrl: '',
  rateLimit: '0',
  timezone: 'UTC',
};

function stateOf(b: Broadcast): FormState {
  const t = b.message_template;
  return {
    name: b.name,
    listId: b.list_id,
    channelId: b.channel_id ?? '',
    type: t.type,
    content: t.content ?? '',
    subject: t.subject ?? '',
    templateId: t.template_id ?? '',
    variables: Object.entries(t.variables ?? {})
      .map(([k, v]) => `${k}=${v}`)
      .join('\n'),
    mediaUrl: t.media_url ?? '',
    rateLimit: String(b.rate_limit),
    timezone: b.timezone,
  };
}

/** The request body: only what the operator filled in, so the API's own defaults and checks apply. */
function bodyOf(f: FormState): Record<string, unknown> {
  const variables = Object.fromEntries(
    f.variables
      .split('\n')
      .map((line) => [line.slice(0, line.indexOf('=')).trim(), line.slice(line.indexOf('=') + 1).trim()])
      .filter(([k]) => k),
  );
  const template: Record<string, unknown> = { type: f.type };
  if (f.content) template.content = f.content;
  if (f.subject) template.subject = f.subject;
  if (f.templateId) template.template_id = f.templateId;
  if (Object.keys(variables).length > 0) template.variables = variables;
  if (f.mediaUrl) template.media_url = f.mediaUrl;
  return {
    name: f.name,
    list_id: f.listId,
    ...(f.channelId ? { channel_id: f.channelId } : {}),
    message_template: template,
    rate_limit: Number(f.rateLimit || 0),
    timezone: f.timezone || 'UTC',
  };
}

/**
 * Create or edit a draft. Editing saves as you type (debounced), and the preview beside it renders the saved draft
 * for the chosen contact with the service's own renderer (POST /preview), so what it shows is what would be sent.
 */
export function BroadcastForm({ id }: { id?: string }) {
  const [form, setForm] = useState<FormState>(EMPTY);
  const [loadedId, setLoadedId] = useState<string | undefined>(undefined);
  const choices = useLoad(async () => {
    const [lists, channels] = await Promise.all([
      collect<ContactList>('/api/v1/contact-lists', 5000),
      collect<Channel>('/api/v1/channels', 1000),
    ]);
    return { lists: lists.items, channels: channels.items };
  }, []);
  const existing = useLoad(async () => (id ? api.get<Broadcast>(`/api/v1/broadcasts/${id}`) : undefined), [id]);
  useEffect(() => {
    if (existing.data && loadedId !== existing.data.id) {
      setForm(stateOf(existing.data));
      setLoadedId(existing.data.id);
    }
  }, [existing.data, loadedId]);
  const save = useAction();
  const set = (field: keyof FormState) => (e: Event) =>
    setForm({ ...form, [field]: (e.currentTarget as HTMLInputElement).value });

  // Edit mode: save the draft when the operator pauses typing, then preview it.
  const debounced = useDebounced(form, 700);
  const [savedAt, setSavedAt] = useState(0);
  useEffect(() => {
    if (!id || loadedId !== id || !debounced.name || !debounced.listId) return;
    void save.run(async () => {
      await api.put(`/api/v1/broadcasts/${id}`, bodyOf(debounced));
      setSavedAt(Date.now());
    });
  }, [debounced, id, loadedId]);

  const create = async (e: Event) => {
    e.preventDefault();
    let created: Broadcast | undefined;
    if (await save.run(async () => (created = await api.post<Broadcast>('/api/v1/broadcasts', bodyOf(form))))) {
      if (created) navigate({ page: 'broadcast', id: created.id });
    }
  };

  const lists = choices.data?.lists ?? [];
  return (
    <section aria-labelledby="form-title">
      <p>
        <a href={id ? href({ page: 'broadcast', id }) : href({ page: 'broadcasts' })}>← Back</a>
      </p>
      <h1 id="form-title">{id ? `Edit ${form.name || 'broadcast'}` : 'New broadcast'}</h1>
      <ErrorMessage error={choices.error ?? existing.error} />
      <div class="split">
        <form class="stack" onSubmit={create}>
          <label>
            Name
            <input required value={form.name} onInput={set('name')} />
          </label>
          <label>
            Contact list
            <select required value={form.listId} onChange={set('listId')}>
              <option value="">choose a list…</option>
              {lists.map((l) => (
                <option key={l.id} value={l.id}>
                  {l.name} ({l.is_dynamic ? 'dynamic' : `${formatCount(l.contact_count)} contacts`})
                </option>
              ))}
            </select>
          </label>
          {lists.length === 0 && choices.data && (
            <p class="muted">
              No lists yet: <a href={href({ page: 'list-new' })}>create one</a>.
            </p>
          )}
          <label>
            Channel
            <select value={form.channelId} onChange={set('channelId')}>
              <option value="">the stage's default channel</option>
              {(choices.data?.channels ?? []).map((c) => (
                <option key={c.id} value={c.id}>
                  {c.name} ({c.type}
                  {c.is_default ? ', default' : ''})
                </option>
              ))}
            </select>
          </label>
          <fieldset>
            <legend>Message</legend>
            <label>
              Type
              <select value={form.type} onChange={set('type')}>
                <option value="text">text</option>
                <option value="template">template</option>
                <option value="media">media</option>
              </select>
            </label>
            <label>
              Content (Liquid: <code>{'{{contact.name}}'}</code>, <code>{'{{unsubscribe_link}}'}</code>…)
              <textarea rows={6} value={form.content} onInput={set('content')} />
            </label>
            <label>
              Subject (e-mail channels)
              <input value={form.subject} onInput={set('subject')} />
            </label>
            {form.type === 'template' && (
              <label>
                Template id
                <input value={form.templateId} onInput={set('templateId')} />
              </label>
            )}
            <label>
              Variables (one <code>name=value</code> a line)
              <textarea rows={3} value={form.variables} onInput={set('variables')} />
            </label>
            {form.type === 'media' && (
              <label>
                Media URL
                <input type="url" value={form.mediaUrl} onInput={set('mediaUrl')} />
              </label>
            )}
          </fieldset>
          <label>
            Rate limit (messages per minute, 0 = unlimited)
            <input type="number" min={0} value={form.rateLimit} onInput={set('rateLimit')} />
          </label>
          <label>
            Time zone (IANA)
            <input value={form.timezone} onInput={set('timezone')} />
          </label>
          <ErrorMessage error={save.error} />
          {id ? (
            <p class="muted" aria-live="polite">
              {save.busy ? 'Saving…' : savedAt ? 'Draft saved.' : 'Changes are saved as you type.'}
            </p>
          ) : (
            <button type="submit" class="primary" disabled={save.busy}>
              Create draft
            </button>
          )}
        </form>
        {id && form.listId && <LivePreview broadcastId={id} listId={form.listId} savedAt={savedAt} />}
      </div>
    </section>
  );
}

function LivePreview({ broadcastId, listId, savedAt }: { broadcastId: string; listId: string; savedAt: number }) {
  const members = useLoad(() => collect<Contact>(`/api/v1/contact-lists/${listId}/contacts`, 200), [listId]);
  const [contactId, setContactId] = useState('');
  const chosen = contactId || members.data?.items[0]?.id || '';
  const preview = useLoad(
    async () =>
      chosen ? api.post<Preview>(`/api/v1/broadcasts/${broadcastId}/preview`, { contact_id: chosen }) : undefined,
    [broadcastId, chosen, savedAt],
  );
  const message = preview.data?.message;
  return (
    <aside class="preview" aria-labelledby="preview-title">
      <h2 id="preview-title">Preview</h2>
      <ErrorMessage error={members.error} />
      <label>
        As received by
        <select value={chosen} onChange={(e) => setContactId(e.currentTarget.value)}>
          {(members.data?.items ?? []).map((c) => (
            <option key={c.id} value={c.id}>
              {c.name ?? c.email ?? c.phone ?? c.id}
            </option>
          ))}
        </select>
      </label>
      {members.data && members.data.items.length === 0 && <p class="muted">The list has no contacts to preview for.</p>}
      <ErrorMessage error={preview.error} />
      {preview.data && (
        <div data-testid="preview" aria-live="polite">
          {message ? (
            <>
              {typeof message.subject === 'string' && (
                <p>
                  <strong>Subject:</strong> {message.subject}
                </p>
              )}
              <pre class="message">{String(message.content ?? message.template_id ?? '')}</pre>
            </>
          ) : (
            <p>Nothing would be sent to this contact.</p>
          )}
          {preview.data.skip_reason && <p>Would be skipped: {preview.data.skip_reason}</p>}
          {preview.data.missing && preview.data.missing.length > 0 && (
            <p>Missing variables: {preview.data.missing.join(', ')}</p>
          )}
        </div>
      )}
    </aside>
  );
}
