import { useEffect, useState } from 'preact/hooks';
import { api, collect } from '../api.js';
import { ErrorMessage } from '../components/error-message.js';
import { useAction, useDebounced, useLoad } from '../hooks.js';
import {
  contactMatches,
  contactsQueryOf,
  draftOf,
  EMPTY_FILTER_DRAFT,
  type FilterDraft,
  filtersOf,
  hasCriterion,
} from '../logic/filters.js';
import { formatCount } from '../logic/format.js';
import { href, navigate } from '../router.js';
import type { Contact, ContactList } from '../types.js';
import { MAX_COUNTED } from './lists-page.js';

/** Create a list (static: pick contacts; dynamic: filters, with the matching count as you type) or edit one. */
export function ListForm({ id }: { id?: string }) {
  const [name, setName] = useState('');
  const [description, setDescription] = useState('');
  const [dynamic, setDynamic] = useState(true);
  const [filters, setFilters] = useState<FilterDraft>(EMPTY_FILTER_DRAFT);
  const [picked, setPicked] = useState<Set<string>>(new Set());
  const existing = useLoad(async () => (id ? api.get<ContactList>(`/api/v1/contact-lists/${id}`) : undefined), [id]);
  useEffect(() => {
    const list = existing.data;
    if (!list) return;
    setName(list.name);
    setDescription(list.description ?? '');
    setDynamic(list.is_dynamic);
    setFilters(draftOf(list.filters));
  }, [existing.data]);
  const save = useAction();
  const wire = filtersOf(filters);

  const submit = async (e: Event) => {
    e.preventDefault();
    const body = id
      ? { name, description: description || null, ...(dynamic ? { filters: wire } : {}) }
      : {
          name,
          ...(description ? { description } : {}),
          is_dynamic: dynamic,
          ...(dynamic ? { filters: wire } : { contact_ids: [...picked] }),
        };
    const ok = await save.run(() =>
      id ? api.put(`/api/v1/contact-lists/${id}`, body) : api.post('/api/v1/contact-lists', body),
    );
    if (ok) navigate({ page: 'lists' });
  };

  const editingStatic = id !== undefined && existing.data !== undefined && !existing.data.is_dynamic;
  return (
    <section aria-labelledby="list-title">
      <p>
        <a href={href({ page: 'lists' })}>← Lists</a>
      </p>
      <h1 id="list-title">{id ? `Edit ${name || 'list'}` : 'New contact list'}</h1>
      <ErrorMessage error={existing.error} />
      <form class="stack" onSubmit={submit}>
        <label>
          Name
          <input required value={name} onInput={(e) => setName(e.currentTarget.value)} />
        </label>
        <label>
          Description
          <input value={description} onInput={(e) => setDescription(e.currentTarget.value)} />
        </label>
        {!id && (
          <fieldset>
            <legend>Kind</legend>
            <label class="inline">
              <input type="radio" name="kind" checked={dynamic} onChange={() => setDynamic(true)} /> Dynamic: everyone
              matching filters when it is sent
            </label>
            <label class="inline">
              <input type="radio" name="kind" checked={!dynamic} onChange={() => setDynamic(false)} /> Static: the
              contacts you pick
            </label>
          </fieldset>
        )}
        {dynamic && !editingStatic && <FilterEditor draft={filters} onChange={setFilters} />}
        {!dynamic && !id && <ContactPicker picked={picked} onChange={setPicked} />}
        {editingStatic && <p class="muted">{formatCount(existing.data?.contact_count)} members.</p>}
        <ErrorMessage error={save.error} />
        <button
          type="submit"
          class="primary"
          disabled={save.busy || (dynamic && !editingStatic && !hasCriterion(wire))}
        >
          {id ? 'Save list' : 'Create list'}
        </button>
      </form>
    </section>
  );
}

function FilterEditor({ draft, onChange }: { draft: FilterDraft; onChange: (d: FilterDraft) => void }) {
  const set = (field: keyof FilterDraft) => (e: Event) =>
    onChange({ ...draft, [field]: (e.currentTarget as HTMLInputElement).value });
  const filters = filtersOf(useDebounced(draft, 300));
  // No count endpoint exists: the narrowest GET /contacts query the API offers (one tag, pipeline, status), the
  // rest of the criteria checked here with the service's own matcher.
  const count = useLoad(async () => {
    if (!hasCriterion(filters)) return undefined;
    const now = new Date();
    return collect<Contact>(`/api/v1/contacts?${contactsQueryOf(filters)}`, MAX_COUNTED, (c) =>
      contactMatches(c, filters, now),
    );
  }, [JSON.stringify(filters)]);
  return (
    <fieldset>
      <legend>Filters (every one given must hold)</legend>
      <label>
        Tags (comma-separated; the contact has all of them)
        <input value={draft.tags} onInput={set('tags')} />
      </label>
      <label>
        Pipeline id
        <input value={draft.pipelineId} onInput={set('pipelineId')} />
      </label>
      <label>
        Status id
        <input value={draft.statusId} onInput={set('statusId')} />
      </label>
      <label>
        Custom fields (one <code>field=value</code> a line; <code>today</code> and <code>yesterday</code> match dates)
        <textarea rows={3} value={draft.customFields} onInput={set('customFields')} />
      </label>
      <ErrorMessage error={count.error} />
      <p class="match-count" aria-live="polite" data-testid="match-count">
        {!hasCriterion(filters)
          ? 'Give at least one criterion.'
          : count.loading || !count.data
            ? 'Counting matching contacts…'
            : `${formatCount(count.data.items.length)}${count.data.complete ? '' : '+'} contacts match now`}
      </p>
    </fieldset>
  );
}

function ContactPicker({ picked, onChange }: { picked: Set<string>; onChange: (s: Set<string>) => void }) {
  const contacts = useLoad(() => collect<Contact>('/api/v1/contacts', 1000), []);
  const [search, setSearch] = useState('');
  const shown = (contacts.data?.items ?? []).filter((c) =>
    `${c.name ?? ''} ${c.email ?? ''} ${c.phone ?? ''}`.toLowerCase().includes(search.toLowerCase()),
  );
  const toggle = (id: string) => {
    const next = new Set(picked);
    if (next.has(id)) next.delete(id);
    else next.add(id);
    onChange(next);
  };
  return (
    <fieldset>
      <legend>Members ({formatCount(picked.size)} picked)</legend>
      <ErrorMessage error={contacts.error} />
      <label>
        Search contacts
        <input type="search" value={search} onInput={(e) => setSearch(e.currentTarget.value)} />
      </label>
      <ul class="picker">
        {shown.slice(0, 200).map((c) => (
          <li key={c.id}>
            <label class="inline">
              <input type="checkbox" checked={picked.has(c.id)} onChange={() => toggle(c.id)} /> {c.name ?? '(no name)'}{' '}
              <span class="muted">{c.email ?? c.phone ?? ''}</span>
            </label>
          </li>
        ))}
      </ul>
      {shown.length > 200 && <p class="muted">Showing 200 of {formatCount(shown.length)}: narrow the search.</p>}
    </fieldset>
  );
}
