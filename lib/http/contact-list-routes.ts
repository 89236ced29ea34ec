import type { z } from 'zod';
import type { ListFilters } from '../domain/contact-list.js';
import {
  addContactsToList,
  createContactList,
  deleteContactList,
  removeContactFromList,
  updateContactList,
} from '../use-cases/contact-list-commands.js';
import { getContactList, listContactLists, resolveListContacts } from '../use-cases/contact-list-queries.js';
import type { Route } from './http-handler.js';
import { paging } from './page-cursor.js';
import { presentContact, presentContactList } from './presenters.js';
import { json, noContent, pathId, queryOf, requireBody } from './request.js';
import {
  addContactsBody,
  createContactListBody,
  type listFilters,
  pageQuery,
  updateContactListBody,
} from './schemas.js';

export const contactListRoutes: Record<string, Route> = {
  'POST /api/v1/contact-lists': async ({ tenantId, body }, deps) => {
    const input = requireBody(createContactListBody, body);
    const common = {
      name: input.name,
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.tags ? { tags: input.tags } : {}),
    };
    const list = await createContactList(
      deps,
      tenantId,
      input.is_dynamic && input.filters
        ? { ...common, isDynamic: true, filters: toFilters(input.filters) }
        : { ...common, isDynamic: false, contactIds: input.contact_ids ?? [] },
    );
    return json(201, presentContactList(list));
  },

  'GET /api/v1/contact-lists': async ({ event, tenantId }, deps) => {
    const query = queryOf(event, pageQuery);
    const page = paging(event, tenantId, query);
    return json(200, page.body(await listContactLists(deps, tenantId, page.request), presentContactList));
  },

  'GET /api/v1/contact-lists/{id}': async ({ event, tenantId }, deps) =>
    json(200, presentContactList(await getContactList(deps, tenantId, pathId(event)))),

  'PUT /api/v1/contact-lists/{id}': async ({ event, tenantId, body }, deps) => {
    const id = pathId(event);
    const input = requireBody(updateContactListBody, body);
    const list = await updateContactList(deps, tenantId, id, {
      ...(input.name !== undefined ? { name: input.name } : {}),
      ...(input.description !== undefined ? { description: input.description } : {}),
      ...(input.tags !== undefined ? { tags: input.tags } : {}),
      ...(input.filters !== undefined ? { filters: toFilters(input.filters) } : {}),
    });
    return json(200, presentContactList(list));
  },

  'DELETE /api/v1/contact-lists/{id}': async ({ event, tenantId }, deps) => {
    await deleteContactList(deps, tenantId, pathId(event));
    return noContent();
  },

  'GET /api/v1/contact-lists/{id}/contacts': async ({ event, tenantId }, deps) => {
    const id = pathId(event);
    const query = queryOf(event, pageQuery);
    const page = paging(event, tenantId, query);
    return json(200, page.body(await resolveListContacts(deps, tenantId, id, page.request), presentContact));
  },

  'POST /api/v1/contact-lists/{id}/contacts': async ({ event, tenantId, body }, deps) => {
    const id = pathId(event);
    const { contact_ids } = requireBody(addContactsBody, body);
    const { list, added } = await addContactsToList(deps, tenantId, id, contact_ids);
    return json(200, { ...presentContactList(list), added });
  },

  'DELETE /api/v1/contact-lists/{id}/contacts/{cid}': async ({ event, tenantId }, deps) => {
    await removeContactFromList(deps, tenantId, pathId(event), pathId(event, 'cid'));
    return noContent();
  },
};

function toFilters(input: z.output<typeof listFilters>): ListFilters {
  return {
    ...(input.pipeline_id ? { pipelineId: input.pipeline_id } : {}),
    ...(input.status_id ? { statusId: input.status_id } : {}),
    ...(input.tags ? { tags: input.tags } : {}),
    ...(input.custom_fields ? { customFields: input.custom_fields } : {}),
  };
}
