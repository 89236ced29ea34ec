import { collect } from '../api.js';
import { ErrorMessage } from '../components/error-message.js';
import { useLoad } from '../hooks.js';
import { formatCount, formatInstant } from '../logic/format.js';
import { href } from '../router.js';
import type { ContactList } from '../types.js';

/** A dynamic list's members are counted by reading them (the API keeps no count for it), up to this many. */
export const MAX_COUNTED = 5000;

/** Contact lists with their member counts. */
export function ListsPage() {
  const lists = useLoad(async () => {
    const { items } = await collect<ContactList>('/api/v1/contact-lists', 5000);
    return Promise.all(
      items.map(async (list) => {
        if (!list.is_dynamic) return { list, count: list.contact_count ?? 0, complete: true };
        const members = await collect<unknown>(`/api/v1/contact-lists/${list.id}/contacts`, MAX_COUNTED);
        return { list, count: members.items.length, complete: members.complete };
      }),
    );
  }, []);
  return (
    <section aria-labelledby="lists-title">
      <div class="page-head">
        <h1 id="lists-title">Contact lists</h1>
        <a class="button primary" href={href({ page: 'list-new' })}>
          New list
        </a>
      </div>
      <ErrorMessage error={lists.error} />
      {lists.loading && !lists.data && <p>Loading…</p>}
      {lists.data && lists.data.length === 0 && <p>No lists yet.</p>}
      {lists.data && lists.data.length > 0 && (
        <table class="data">
          <thead>
            <tr>
              <th scope="col">Name</th>
              <th scope="col">Kind</th>
              <th scope="col">Members</th>
              <th scope="col">Created</th>
            </tr>
          </thead>
          <tbody>
            {lists.data.map(({ list, count, complete }) => (
              <tr key={list.id}>
                <th scope="row">
                  <a href={href({ page: 'list-edit', id: list.id })}>{list.name}</a>
                </th>
                <td>{list.is_dynamic ? 'dynamic' : 'static'}</td>
                <td>
                  {formatCount(count)}
                  {complete ? '' : '+'}
                </td>
                <td>{formatInstant(list.created_at)}</td>
              </tr>
            ))}
          </tbody>
        </table>
      )}
    </section>
  );
}
