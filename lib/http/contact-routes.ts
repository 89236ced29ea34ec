import type { z } from 'zod';
import type { ContactFields } from '../domain/contact.js';
import { type BatchEntry, batchUpsertContacts } from '../use-cases/batch-upsert-contacts.js';
import { getContact, listContacts } from '../use-cases/contact-queries.js';
import { deleteContact } from '../use-cases/delete-contact.js';
import { updateContact } from '../use-cases/update-contact.js';
import { upsertContact } from '../use-cases/upsert-contact.js';
import type { Route } from './http-handler.js';
import { paging } from './page-cursor.js';
import { presentContact } from './presenters.js';
import { ValidationProblem } from './problem.js';
import { json, noContent, parseWith, pathId, queryOf, requireBody } from './request.js';
import { contactBatchBody, contactBody, contactListQuery } from './schemas.js';

export const contactRoutes: Record<string, Route> = {
  'POST /api/v1/contacts': async ({ tenantId, body }, deps) => {
    const fields = toContactFields(requireBody(contactBody, body));
    const { contact, created } = await upsertContact(deps, tenantId, fields);
    return json(created ? 201 : 200, presentContact(contact));
  },

  'POST /api/v1/contacts/batch': async ({ tenantId, body }, deps) => {
    const { contacts } = requireBody(contactBatchBody, body);
    const entries: BatchEntry[] = contacts.map((item) => {
      try {
        return { fields: toContactFields(parseWith(contactBody, item)) };
      } catch (error) {
        if (error instanceof ValidationProblem) return { errors: error.errors };
        throw error;
      }
    });
    const results = await batchUpsertContacts(deps, tenantId, entries);
    return json(200, { results });
  },

  'GET /api/v1/contacts': async ({ event, tenantId }, deps) => {
    const query = queryOf(event, contactListQuery);
    const page = paging(event, tenantId, query);
    const contacts = await listContacts(deps, tenantId, page.request, {
      ...(query.tag ? { tag: query.tag } : {}),
      ...(query.pipeline_id ? { pipelineId: query.pipeline_id } : {}),
      ...(query.status_id ? { statusId: query.status_id } : {}),
    });
    return json(200, page.body(contacts, presentContact));
  },

  'GET /api/v1/contacts/{id}': async ({ event, tenantId }, deps) =>
    json(200, presentContact(await getContact(deps, tenantId, pathId(event)))),

  'PUT /api/v1/contacts/{id}': async ({ event, tenantId, body }, deps) => {
    const id = pathId(event);
    const fields = toContactFields(requireBody(contactBody, body));
    return json(200, presentContact(await updateContact(deps, tenantId, id, fields)));
  },

  'DELETE /api/v1/contacts/{id}': async ({ event, tenantId }, deps) => {
    await deleteContact(deps, tenantId, pathId(event));
    return noContent();
  },
};

function toContactFields(body: z.output<typeof contactBody>): ContactFields {
  const fields: ContactFields = {
    externalId: body.external_id,
    name: body.name,
    email: body.email,
    phone: body.phone,
    tags: body.tags,
    pipelineId: body.pipeline_id,
    statusId: body.status_id,
    customFields: body.custom_fields,
    timezone: body.timezone,
    optedOut: body.opted_out,
    suppressions: body.suppressions,
  };
  return Object.fromEntries(Object.entries(fields).filter(([, v]) => v !== undefined)) as ContactFields;
}
