export interface UnsubscribeTarget {
  tenantId: string;
  contactId: string;
  broadcastId: string;
}

/** Signed, unguessable unsubscribe links: an HMAC over tenant, contact and broadcast. */
export interface UnsubscribeLinks {
  linkFor(target: UnsubscribeTarget): string;
  /** The target of a token this service issued, or undefined for a tampered or foreign one. */
  verify(token: string): UnsubscribeTarget | undefined;
}
