import { toWireTemplate } from '../../domain/message-template.js';
import type { OutboundMessage } from '../../ports/channel-sender.js';

/**
 * A message as channels put it on the wire (the webhook body, the log line): snake_case, every field
 * present, null when unset, as the API presents resources.
 */
export function toWireMessage(message: OutboundMessage) {
  const { contact } = message;
  return {
    idempotency_key: message.idempotencyKey,
    tenant_id: message.tenantId,
    broadcast_id: message.broadcastId,
    execution_id: message.executionId,
    contact: {
      id: contact.id,
      name: contact.name ?? null,
      email: contact.email ?? null,
      phone: contact.phone ?? null,
    },
    message: toWireTemplate(message.message),
  };
}

export type WireMessage = ReturnType<typeof toWireMessage>;
