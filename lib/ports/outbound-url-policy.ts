/**
 * Decides whether the service may send requests to a URL a tenant gave it (a webhook's): the server-side request
 * forgery guard, asked when the URL is stored. The channel asks again, and pins the connection, when it sends.
 */
export interface OutboundUrlPolicy {
  /** Why the URL is refused, in words for the caller; undefined when it is allowed. */
  refusal(url: string): Promise<string | undefined>;
}
