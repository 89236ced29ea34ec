import type { z } from 'zod';
import type { ErrorCode } from '../../domain/error-codes.js';
import { previewBody } from '../preview-route.js';
import * as res from '../response-schemas.js';
import * as req from '../schemas.js';
import { testSendBody } from '../test-send-routes.js';
import * as ex from './examples.js';

/** One documented response: JSON with a schema and an example, or another media type described in words. */
export interface ResponseDoc {
  description: string;
  schema?: z.ZodType;
  example?: unknown;
  /** @default application/json */
  contentType?: string;
}

/** What the OpenAPI document says of one route, beside what lib/http/routes.ts already declares. */
export interface RouteDoc {
  summary: string;
  description?: string;
  tag: 'Contacts' | 'Contact lists' | 'Broadcasts' | 'Channels' | 'Automation' | 'Public' | 'Reference';
  query?: z.ZodType;
  body?: z.ZodType;
  /** Named request examples; each must pass `body`. */
  bodyExamples?: Record<string, unknown>;
  responses: Record<number, ResponseDoc>;
  /** The route's own problem codes; the ones every route shares (auth, validation) are added by the generator. */
  errors?: ErrorCode[];
}

const BROADCAST_MISSING: ErrorCode[] = ['broadcast.not_found'];
const NOT_DRAFT: ErrorCode[] = ['broadcast.not_found', 'broadcast.not_draft'];
const TRANSITION: ErrorCode[] = ['broadcast.not_found', 'broadcast.invalid_transition', 'broadcast.concurrent_update'];
const TEMPLATE: ErrorCode[] = [
  'broadcast.invalid_template',
  'broadcast.template_unfit_for_channel',
  'broadcast.unknown_list',
  'broadcast.unknown_channel',
  'broadcast.rate_limit_above_cap',
];
const ok = (description: string, schema: z.ZodType, example: unknown): Record<number, ResponseDoc> => ({
  200: { description, schema, example },
});
const page = (description: string, item: z.ZodType, example: unknown): Record<number, ResponseDoc> =>
  ok(description, res.pageOf(item), ex.pageExample(example));
const noContent: Record<number, ResponseDoc> = { 204: { description: 'Done; no body' } };
const broadcastAction = (summary: string, description: string, errors: ErrorCode[]): RouteDoc => ({
  summary,
  description: `${description} The body may be left out, or be \`{}\`.`,
  tag: 'Broadcasts',
  body: req.actionBody,
  bodyExamples: { empty: {} },
  responses: ok('The broadcast after the change', res.broadcastResource, ex.broadcastExample),
  errors,
});

/** Every route of lib/http/routes.ts, by `METHOD path`: a route without an entry fails the document's build. */
export const ROUTE_DOCS: Record<string, RouteDoc> = {
  'GET /health': {
    summary: 'Liveness',
    tag: 'Reference',
    responses: ok('The service answers', res.healthResource, ex.healthExample),
  },
  'GET /api/v1/openapi.json': {
    summary: 'This OpenAPI 3.1 document',
    tag: 'Reference',
    responses: { 200: { description: 'The document, generated from the schemas the handlers validate with' } },
  },
  'GET /docs': {
    summary: 'The interactive API reference (HTML)',
    tag: 'Reference',
    responses: {
      200: { description: 'An HTML page; its scripts and styles are served under /docs/', contentType: 'text/html' },
    },
  },
  'GET /docs/{asset}': {
    summary: 'An asset of the API reference page (script or style sheet), served by the service itself',
    tag: 'Reference',
    responses: { 200: { description: 'The asset', contentType: 'application/octet-stream' } },
    errors: ['route.not_found'],
  },
  'GET /unsubscribe/{token}': {
    summary: 'The confirmation page of an unsubscribe link',
    description: 'Shows a page with a button; it opts nobody out (mail scanners fetch links).',
    tag: 'Public',
    responses: { 200: { description: 'An HTML page', contentType: 'text/html' } },
    errors: ['contact.not_found'],
  },
  'POST /unsubscribe/{token}': {
    summary: 'Opts the contact of an unsubscribe link out',
    description:
      "Any body (the page's form, or an RFC 8058 one-click POST). With `Accept: application/json` the answer is JSON, otherwise an HTML page.",
    tag: 'Public',
    responses: ok('The contact is opted out', res.unsubscribedResource, ex.unsubscribedExample),
    errors: ['contact.not_found'],
  },
  'GET /api/v1/webhooks/whatsapp/{channel_id}': {
    summary: "Meta's webhook verification",
    description: "`hub.mode=subscribe`, `hub.verify_token` (the channel's) and `hub.challenge`, echoed back.",
    tag: 'Public',
    responses: { 200: { description: 'The challenge, as text/plain', contentType: 'text/plain' } },
    errors: ['channel.not_found', 'webhook.verification_failed'],
  },
  'POST /api/v1/webhooks/whatsapp/{channel_id}': {
    summary: "Meta's delivery receipts",
    description: 'Signed with the app secret (`X-Hub-Signature-256`); the receipts are queued and applied in order.',
    tag: 'Public',
    responses: ok('Receipts accepted', res.webhookReceivedResource, ex.webhookReceivedExample),
    errors: ['channel.not_found', 'webhook.invalid_signature', 'request.malformed_json', 'request.too_large'],
  },

  'POST /api/v1/contacts': {
    summary: 'Create or update a contact (upsert by external_id)',
    tag: 'Contacts',
    body: req.contactBody,
    bodyExamples: { contact: ex.contactBodyExample },
    responses: {
      201: { description: 'Created', schema: res.contactResource, example: ex.contactExample },
      200: {
        description: 'An existing contact (same external_id) updated',
        schema: res.contactResource,
        example: ex.contactExample,
      },
    },
    errors: [
      'contact.unidentifiable',
      'contact.external_id_taken',
      'contact.concurrent_update',
      'contact.suppression_without_address',
    ],
  },
  'POST /api/v1/contacts/batch': {
    summary: 'Upsert up to 1,000 contacts; each entry gets a result of its own',
    tag: 'Contacts',
    body: req.contactBatchBody,
    bodyExamples: { batch: ex.contactBatchBodyExample },
    responses: ok('One result per entry, in order', res.batchResultResource, ex.batchResultExample),
  },
  'GET /api/v1/contacts': {
    summary: 'List contacts',
    tag: 'Contacts',
    query: req.contactListQuery,
    responses: page('A page of contacts', res.contactResource, ex.contactExample),
    errors: ['request.invalid_cursor'],
  },
  'GET /api/v1/contacts/{id}': {
    summary: 'Read a contact',
    tag: 'Contacts',
    responses: ok('The contact', res.contactResource, ex.contactExample),
    errors: ['contact.not_found'],
  },
  'PUT /api/v1/contacts/{id}': {
    summary: 'Change a contact',
    tag: 'Contacts',
    body: req.contactBody,
    bodyExamples: { rename: { name: 'Ada King' } },
    responses: ok('The contact', res.contactResource, ex.contactExample),
    errors: [
      'contact.not_found',
      'contact.external_id_taken',
      'contact.concurrent_update',
      'contact.suppression_without_address',
    ],
  },
  'DELETE /api/v1/contacts/{id}': {
    summary: 'Delete a contact',
    tag: 'Contacts',
    responses: noContent,
    errors: ['contact.not_found'],
  },

  'POST /api/v1/contact-lists': {
    summary: 'Create a static or dynamic list',
    tag: 'Contact lists',
    body: req.createContactListBody,
    bodyExamples: { static: ex.createStaticListExample, dynamic: ex.createDynamicListExample },
    responses: { 201: { description: 'Created', schema: res.contactListResource, example: ex.contactListExample } },
    errors: ['contact_list.unknown_contacts'],
  },
  'GET /api/v1/contact-lists': {
    summary: 'List contact lists',
    tag: 'Contact lists',
    query: req.pageQuery,
    responses: page('A page of lists', res.contactListResource, ex.contactListExample),
    errors: ['request.invalid_cursor'],
  },
  'GET /api/v1/contact-lists/{id}': {
    summary: 'Read a list',
    tag: 'Contact lists',
    responses: ok('The list', res.contactListResource, ex.contactListExample),
    errors: ['contact_list.not_found'],
  },
  'PUT /api/v1/contact-lists/{id}': {
    summary: 'Change a list (filters: dynamic lists only)',
    tag: 'Contact lists',
    body: req.updateContactListBody,
    bodyExamples: { rename: ex.updateListExample },
    responses: ok('The list', res.contactListResource, ex.contactListExample),
    errors: ['contact_list.not_found', 'contact_list.not_dynamic'],
  },
  'DELETE /api/v1/contact-lists/{id}': {
    summary: 'Delete a list no unfinished broadcast uses',
    tag: 'Contact lists',
    responses: noContent,
    errors: ['contact_list.not_found', 'contact_list.in_use'],
  },
  'GET /api/v1/contact-lists/{id}/contacts': {
    summary: "The list's contacts (a dynamic list's filters evaluated now)",
    tag: 'Contact lists',
    query: req.pageQuery,
    responses: page('A page of contacts', res.contactResource, ex.contactExample),
    errors: ['contact_list.not_found', 'request.invalid_cursor'],
  },
  'POST /api/v1/contact-lists/{id}/contacts': {
    summary: 'Add contacts to a static list',
    tag: 'Contact lists',
    body: req.addContactsBody,
    bodyExamples: { add: ex.addContactsExample },
    responses: ok('The list, and how many contacts were new to it', res.contactListWithAdded, {
      ...ex.contactListExample,
      is_dynamic: false,
      filters: null,
      contact_count: 1,
      added: 1,
    }),
    errors: ['contact_list.not_found', 'contact_list.not_static', 'contact_list.unknown_contacts'],
  },
  'DELETE /api/v1/contact-lists/{id}/contacts/{cid}': {
    summary: 'Remove a contact from a static list',
    tag: 'Contact lists',
    responses: noContent,
    errors: ['contact_list.not_found', 'contact_list.not_static'],
  },

  'POST /api/v1/broadcasts': {
    summary: 'Create a broadcast (a draft, or scheduled with scheduled_for)',
    tag: 'Broadcasts',
    body: req.createBroadcastBody,
    bodyExamples: {
      promotion: ex.createBroadcastExample,
      scheduled: { ...ex.createBroadcastExample, name: 'Weekly Newsletter', scheduled_for: '2030-01-20T10:00:00Z' },
    },
    responses: {
      201: {
        description: 'Created',
        schema: res.broadcastResource,
        example: { ...ex.broadcastExample, status: 'draft' },
      },
    },
    errors: [...TEMPLATE, 'broadcast.schedule_in_past'],
  },
  'GET /api/v1/broadcasts': {
    summary: 'List broadcasts, with the same counters as the single read',
    tag: 'Broadcasts',
    query: req.broadcastListQuery,
    responses: page('A page of broadcasts', res.broadcastResource, ex.broadcastExample),
    errors: ['request.invalid_cursor'],
  },
  'GET /api/v1/broadcasts/{id}': {
    summary: 'Read a broadcast and its counters',
    tag: 'Broadcasts',
    responses: ok('The broadcast', res.broadcastResource, ex.broadcastExample),
    errors: BROADCAST_MISSING,
  },
  'PUT /api/v1/broadcasts/{id}': {
    summary: 'Change a draft',
    tag: 'Broadcasts',
    body: req.updateBroadcastBody,
    bodyExamples: { template: ex.updateBroadcastExample },
    responses: ok('The broadcast', res.broadcastResource, { ...ex.broadcastExample, status: 'draft' }),
    errors: [...NOT_DRAFT, ...TEMPLATE, 'broadcast.concurrent_update'],
  },
  'DELETE /api/v1/broadcasts/{id}': {
    summary: 'Delete a draft',
    tag: 'Broadcasts',
    responses: noContent,
    errors: NOT_DRAFT,
  },
  'POST /api/v1/broadcasts/{id}/schedule': {
    summary: 'Schedule a draft',
    tag: 'Broadcasts',
    body: req.scheduleBody,
    bodyExamples: { schedule: ex.scheduleExample },
    responses: ok('The scheduled broadcast', res.broadcastResource, { ...ex.broadcastExample, status: 'scheduled' }),
    errors: [...TRANSITION, 'broadcast.schedule_in_past'],
  },
  'POST /api/v1/broadcasts/{id}/unschedule': broadcastAction(
    'Turn a scheduled broadcast back into a draft',
    '',
    TRANSITION,
  ),
  'POST /api/v1/broadcasts/{id}/execute': broadcastAction(
    'Start a draft or scheduled broadcast now',
    "Sends to every contact of the list at the broadcast's rate.",
    [...TRANSITION, 'broadcast.no_channel', 'broadcast.template_unfit_for_channel'],
  ),
  'POST /api/v1/broadcasts/{id}/cancel': broadcastAction(
    'Cancel a broadcast',
    'Final: a cancelled broadcast never sends again.',
    TRANSITION,
  ),
  'POST /api/v1/broadcasts/{id}/pause': broadcastAction('Pause a running broadcast', '', TRANSITION),
  'POST /api/v1/broadcasts/{id}/resume': broadcastAction('Resume a paused broadcast', '', TRANSITION),
  'POST /api/v1/broadcasts/{id}/preview': {
    summary: 'Render the message for one contact, sending nothing',
    tag: 'Broadcasts',
    body: previewBody,
    bodyExamples: { contact: ex.contactIdBodyExample },
    responses: ok('The rendered message, or why the contact would be skipped', res.previewResource, ex.previewExample),
    errors: ['broadcast.not_found', 'contact.not_found', 'broadcast.no_channel'],
  },
  'POST /api/v1/broadcasts/{id}/test-send': {
    summary: "Send one real message to one contact, outside the broadcast's counters",
    tag: 'Broadcasts',
    body: testSendBody,
    bodyExamples: { contact: ex.contactIdBodyExample },
    responses: {
      201: {
        description: 'The recorded test send; `status` says whether it went out',
        schema: res.testSendResource,
        example: ex.testSendExample,
      },
    },
    errors: [
      'broadcast.not_found',
      'contact.not_found',
      'broadcast.no_channel',
      'broadcast.test_send_skipped',
      'broadcast.test_send_rate_limited',
      'broadcast.template_unfit_for_channel',
    ],
  },
  'GET /api/v1/broadcasts/{id}/test-sends': {
    summary: "The broadcast's test sends, newest first",
    tag: 'Broadcasts',
    query: req.pageQuery,
    responses: page('A page of test sends', res.testSendResource, ex.testSendExample),
    errors: ['broadcast.not_found', 'request.invalid_cursor'],
  },
  'GET /api/v1/broadcasts/{id}/stats': {
    summary: 'Counters, progress and delivery receipts',
    tag: 'Broadcasts',
    responses: ok('The statistics', res.broadcastStatsResource, ex.statsExample),
    errors: BROADCAST_MISSING,
  },
  'GET /api/v1/broadcasts/{id}/executions': {
    summary: 'Who got what: one execution per contact',
    tag: 'Broadcasts',
    query: req.executionListQuery,
    responses: page('A page of executions', res.executionResource, ex.executionExample),
    errors: ['broadcast.not_found', 'request.invalid_cursor'],
  },
  'GET /api/v1/broadcasts/{id}/timeline': {
    summary: 'Sent, failed and skipped per minute',
    description:
      'One bucket per minute in which a send chunk was counted, ordered by start; a chunk counts in the minute it finished. Contacts skipped when the audience was planned are not in it (see stats).',
    tag: 'Broadcasts',
    responses: ok('The per-minute counts', res.timelineResource, ex.timelineExample),
    errors: BROADCAST_MISSING,
  },
  'POST /api/v1/broadcasts/{id}/preflight': {
    summary: 'What a run would do now, sending nothing',
    description:
      'For a draft, scheduled or paused broadcast: the audience, who would be sent to and who skipped (by the same decision a run makes), the rate that would apply and what limits it, and the estimated duration and AWS cost. The body may be left out, or be `{}`.',
    tag: 'Broadcasts',
    body: req.actionBody,
    bodyExamples: { empty: {} },
    responses: ok('The forecast', res.preflightResource, ex.preflightExample),
    errors: ['broadcast.not_found', 'broadcast.invalid_transition', 'broadcast.no_channel', 'contact_list.not_found'],
  },

  'POST /api/v1/channels': {
    summary: 'Create a channel (admin)',
    tag: 'Channels',
    body: req.createChannelBody,
    bodyExamples: { webhook: ex.createChannelExample, log: { name: 'Log', type: 'log' } },
    responses: { 201: { description: 'Created', schema: res.channelResource, example: ex.channelExample } },
    errors: ['channel.url_not_allowed', 'channel.rate_above_cap', 'channel.concurrent_update'],
  },
  'GET /api/v1/channels': {
    summary: 'List channels (credentials never shown)',
    tag: 'Channels',
    query: req.pageQuery,
    responses: page('A page of channels', res.channelResource, ex.channelExample),
    errors: ['request.invalid_cursor'],
  },
  'GET /api/v1/channels/{id}': {
    summary: 'Read a channel and its current pace',
    tag: 'Channels',
    responses: ok('The channel', res.channelResource, ex.channelExample),
    errors: ['channel.not_found'],
  },
  'PUT /api/v1/channels/{id}': {
    summary: 'Change a channel (admin); credentials left out are kept',
    tag: 'Channels',
    body: req.updateChannelBody,
    bodyExamples: { url: ex.updateChannelExample },
    responses: ok('The channel', res.channelResource, ex.channelExample),
    errors: [
      'channel.not_found',
      'channel.type_immutable',
      'channel.url_not_allowed',
      'channel.rate_above_cap',
      'channel.concurrent_update',
    ],
  },
  'DELETE /api/v1/channels/{id}': {
    summary: 'Delete a channel no unfinished broadcast uses (admin)',
    tag: 'Channels',
    responses: noContent,
    errors: ['channel.not_found', 'channel.in_use', 'channel.concurrent_update'],
  },

  'POST /api/v1/automation/events': {
    summary: 'A trigger_broadcast automation event',
    description: 'The same event the EventBridge rule routes; `id` makes it idempotent.',
    tag: 'Automation',
    body: req.automationEventBody,
    bodyExamples: { trigger: ex.automationEventExample },
    responses: {
      202: { description: 'Applied', schema: res.automationResultResource, example: ex.automationResultExample },
    },
    errors: [
      'automation.tenant_mismatch',
      'automation.unsupported_event',
      'automation.event_in_progress',
      'broadcast.not_found',
    ],
  },
};
