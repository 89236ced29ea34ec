/**
 * The catalogue of machine-readable error codes returned in problem+json `code`.
 * Codes are part of the public API: add new ones, never rename.
 */
export const ERROR_CODES = {
  'request.malformed_json': 'The body is not valid JSON',
  'request.unsupported_media_type': 'The body must be application/json',
  'request.too_large': 'The body exceeds the size limit',
  'request.validation_failed': 'The request failed validation',
  'request.invalid_cursor': 'The pagination cursor is invalid',
  'auth.unauthorized': 'A valid bearer token is required',
  'auth.forbidden': 'The token does not grant access to a tenant',
  'route.not_found': 'No such route',
  'contact.not_found': 'Contact not found',
  'contact.external_id_taken': 'Another contact has this external_id',
  'contact.concurrent_update': 'The contact changed meanwhile; read it again and retry',
  'contact_list.not_found': 'Contact list not found',
  'contact_list.unknown_contacts': 'Some contact ids do not exist',
  'contact_list.not_static': 'The operation needs a static list',
  'contact_list.not_dynamic': 'The operation needs a dynamic list',
  'contact_list.in_use': 'The list is used by a broadcast that has not finished',
  'broadcast.not_found': 'Broadcast not found',
  'broadcast.invalid_transition': 'The broadcast cannot make this status change',
  'broadcast.not_draft': 'Only a draft broadcast can be changed or deleted',
  'broadcast.unknown_list': 'list_id is not one of your contact lists',
  'broadcast.schedule_in_past': 'scheduled_for must be in the future',
  'broadcast.concurrent_update': 'The broadcast changed meanwhile; read it again and retry',
  'execution.not_found': 'Execution not found',
  'broadcast.invalid_template': 'The message template is not valid Liquid; see errors',
  'channel.not_found': 'Channel not found',
  'channel.in_use': 'The channel is used by a broadcast that has not finished',
  'channel.type_immutable': 'A channel keeps the type it was created with',
  'channel.concurrent_update': 'The channels changed meanwhile; retry',
  'broadcast.no_channel': 'The broadcast has no channel, the tenant no default and the stage no default channel',
  'broadcast.unknown_channel': 'channel_id is not one of your channels',
  'broadcast.rate_limit_above_cap': "rate_limit is above this stage's cap (MAX_RATE_PER_MINUTE)",
  'broadcast.test_send_rate_limited':
    'Too many test sends of this broadcast in the last minute; retry after Retry-After',
  'broadcast.test_send_skipped': 'The broadcast would send this contact nothing (reason in errors); nothing was sent',
  'channel.rate_above_cap': "max_messages_per_second is above this stage's cap (MAX_RATE_PER_MINUTE / 60)",
  'automation.tenant_mismatch': "The event's detail.tenant_id is not the token's tenant",
  'automation.unsupported_event': 'Only trigger_broadcast events from the configured automation source are accepted',
  'automation.event_in_progress': 'This event id is being processed; retry later',
  not_implemented: 'Not implemented yet',
  internal: 'Internal error',
} as const;

export type ErrorCode = keyof typeof ERROR_CODES;
