export type Route =
  | { page: 'broadcasts' }
  | { page: 'broadcast'; id: string }
  | { page: 'broadcast-new' }
  | { page: 'broadcast-edit'; id: string }
  | { page: 'lists' }
  | { page: 'list-new' }
  | { page: 'list-edit'; id: string };

/** Hash routes (`#/broadcasts/<id>`): the pages are one file on any static host, with no server-side rewrites. */
export function parseRoute(hash: string): Route {
  const parts = hash.replace(/^#\/?/, '').split('/').filter(Boolean).map(decodeURIComponent);
  const [section, id, sub] = parts;
  if (section === 'lists') {
    if (id === 'new') return { page: 'list-new' };
    if (id) return { page: 'list-edit', id };
    return { page: 'lists' };
  }
  if (section === 'broadcasts' && id === 'new') return { page: 'broadcast-new' };
  if (section === 'broadcasts' && id && sub === 'edit') return { page: 'broadcast-edit', id };
  if (section === 'broadcasts' && id) return { page: 'broadcast', id };
  return { page: 'broadcasts' };
}

export function href(route: Route): string {
  switch (route.page) {
    case 'broadcasts':
      return '#/broadcasts';
    case 'broadcast':
      return `#/broadcasts/${encodeURIComponent(route.id)}`;
    case 'broadcast-new':
      return '#/broadcasts/new';
    case 'broadcast-edit':
      return `#/broadcasts/${encodeURIComponent(route.id)}/edit`;
    case 'lists':
      return '#/lists';
    case 'list-new':
      return '#/lists/new';
    case 'list-edit':
      return `#/lists/${encodeURIComponent(route.id)}`;
  }
}
