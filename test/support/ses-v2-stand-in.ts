import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { RequestWaiters, readBody, startStandInServer, stopStandInServer } from './stand-in-server.js';

/**
 * A stand-in for Amazon SES v2 as the AWS SDK v3 calls it (REST-JSON), for tests and local runs: a node:http server
 * on 127.0.0.1 that the SDK reaches through its standard endpoint variable, AWS_ENDPOINT_URL_SESV2, with dummy
 * credentials. It checks every request as SES would, so a mapping bug fails a test instead of reaching SES.
 *
 * - `POST /v2/email/outbound-emails` (SendEmail): the request must be signed (SigV4 for service `ses`), its From
 *   must be a verified identity (an address of `verifiedIdentities`, or an address at one of its domains), it must
 *   have 1 to 50 recipients, simple content with a subject and a text or HTML body, headers SES accepts
 *   (List-Unsubscribe at most once, no line breaks, no header SES sets itself), tags in SES's alphabet, and a
 *   configuration set that exists. Accepted: `200 {"MessageId"}`, recorded in {@link SesV2StandIn.accepted} with
 *   its parts, headers and tags. Refused: SES's error (`x-amzn-ErrorType` and `{"message"}`), e.g. 400
 *   BadRequestException listing the problems, MessageRejected for an unverified From, 404 NotFoundException for an
 *   unknown configuration set.
 * - `GET /v2/email/account` (GetAccount): `SendQuota` with {@link SesV2StandIn.maxSendRate}.
 * - {@link SesFault}s answer chosen sends with a chosen error instead (by count, by recipient, or by predicate):
 *   {@link SES_ERRORS} has the ones SES documents (throttling, daily quota, rejected, suspended, paused...).
 * - An access key in {@link SesV2StandIn.rejectedAccessKeys} gets 403 UnrecognizedClientException.
 *
 * Every request is recorded in {@link SesV2StandIn.requests}, whatever its outcome.
 *
 * Shapes: the SES v2 API reference (SendEmail, GetAccount, Message, MessageHeader, MessageTag, Common Errors) and the
 * SES developer guide (header fields; errors related to sending quotas).
 */

export interface SesErrorAnswer {
  /** The HTTP status. */
  status: number;
  /** The error type SES names in `x-amzn-ErrorType` (the SDK's error `name`). */
  name: string;
  message: string;
}

/** Errors as SES answers them (names from the SES v2 API reference; texts from the developer guide). */
export const SES_ERRORS = {
  maxSendRate: { status: 400, name: 'ThrottlingException', message: 'Maximum sending rate exceeded.' },
  dailyQuota: { status: 400, name: 'ThrottlingException', message: 'Daily message quota exceeded.' },
  tooManyRequests: { status: 429, name: 'TooManyRequestsException', message: 'Too many requests.' },
  limitExceeded: { status: 400, name: 'LimitExceededException', message: 'Rate exceeded.' },
  messageRejected: { status: 400, name: 'MessageRejected', message: 'Email address is on the suppression list.' },
  accountSuspended: {
    status: 400,
    name: 'AccountSuspendedException',
    message: 'Your account has been suspended. Sending is not allowed.',
  },
  sendingPaused: {
    status: 400,
    name: 'SendingPausedException',
    message: 'Email sending is disabled for this account.',
  },
  mailFromNotVerified: {
    status: 400,
    name: 'MailFromDomainNotVerifiedException',
    message: 'The MAIL FROM domain is not verified.',
  },
  internal: {
    status: 500,
    name: 'InternalFailure',
    message: 'The request processing has failed because of an unknown error.',
  },
} as const satisfies Record<string, SesErrorAnswer>;

/** What a fault predicate sees of a well-formed, authorised SendEmail. */
export interface SesFaultView {
  /** 1-based count of well-formed, authorised sends, this one included. */
  count: number;
  to: readonly string[];
  body: Record<string, unknown>;
}

export type SesFaultMatch =
  | { everyNth: number }
  | { firstN: number }
  /** Every send to this recipient. */
  | { to: string }
  | ((view: SesFaultView) => boolean);

export interface SesFault {
  match: SesFaultMatch;
  answer: SesErrorAnswer;
}

export interface SesStandInOptions {
  /** Verified identities: e-mail addresses and domains. Default `['acme.example']`. */
  verifiedIdentities?: readonly string[];
  /** Configuration sets that exist. Default `['broadcast-events']`. */
  configurationSets?: readonly string[];
  /** GetAccount's SendQuota.MaxSendRate. Default 14 (a new production account's). */
  maxSendRate?: number;
  faults?: SesFault[];
  /** The port to listen on (127.0.0.1); a free one when unset. */
  port?: number;
  /** The region the requests must be signed for; any when unset. */
  region?: string;
}

export type SesRequestOutcome =
  | 'accepted'
  | 'account'
  | 'malformed'
  | 'unauthorized'
  | 'rejected'
  | 'fault'
  | 'not_found';

export interface SesStandInRequest {
  seq: number;
  at: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  body: unknown;
  /** Why the shape was refused; empty when it was well formed (or never checked). */
  problems: string[];
  outcome: SesRequestOutcome;
  status: number;
  response: unknown;
}

/** An e-mail SES took, as its recipient would see it. */
export interface AcceptedEmail {
  messageId: string;
  from: string;
  to: string[];
  replyTo: string[];
  subject: string;
  text?: string;
  html?: string;
  /** Header name (as sent) to value. */
  headers: Record<string, string>;
  /** Tag name to value. */
  tags: Record<string, string>;
  configurationSetName?: string;
  acceptedAt: number;
  seq: number;
}

/** Headers SES writes itself or refuses to take from Simple content (developer guide, "Header fields"). */
const RESERVED_HEADERS = new Set([
  'from',
  'to',
  'cc',
  'bcc',
  'subject',
  'reply-to',
  'return-path',
  'sender',
  'message-id',
  'date',
  'content-type',
  'content-transfer-encoding',
  'mime-version',
  'dkim-signature',
]);
const HEADER_NAME = /^[!-9;-~]{1,126}$/;
const TAG = /^[A-Za-z0-9_-]{1,256}$/;
const ADDRESS =
  /^[\x21-\x3f\x41-\x7e]+@[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?(?:\.[A-Za-z0-9](?:[A-Za-z0-9-]*[A-Za-z0-9])?)+$/;
const SEND_KEYS = [
  'FromEmailAddress',
  'FromEmailAddressIdentityArn',
  'Destination',
  'ReplyToAddresses',
  'FeedbackForwardingEmailAddress',
  'FeedbackForwardingEmailAddressIdentityArn',
  'Content',
  'EmailTags',
  'ConfigurationSetName',
  'EndpointId',
  'TenantName',
  'ListManagementOptions',
];

export class SesV2StandIn {
  readonly requests: SesStandInRequest[] = [];
  readonly accepted: AcceptedEmail[] = [];
  /** Mutable: a test can add faults, change the rate or revoke a key mid-run. */
  faults: SesFault[];
  maxSendRate: number;
  rejectedAccessKeys = new Set<string>();
  readonly verifiedIdentities: readonly string[];
  readonly configurationSets: readonly string[];
  private sends = 0;
  private readonly waiters = new RequestWaiters();

  private constructor(
    private readonly server: Server,
    /** What AWS_ENDPOINT_URL_SESV2 should be: `http://127.0.0.1:<port>`. */
    readonly endpoint: string,
    private readonly region: string | undefined,
    options: SesStandInOptions,
  ) {
    this.faults = options.faults ?? [];
    this.maxSendRate = options.maxSendRate ?? 14;
    this.verifiedIdentities = (options.verifiedIdentities ?? ['acme.example']).map((i) => i.toLowerCase());
    this.configurationSets = options.configurationSets ?? ['broadcast-events'];
  }

  static async start(options: SesStandInOptions = {}): Promise<SesV2StandIn> {
    let standIn: SesV2StandIn | undefined;
    const { server, origin } = await startStandInServer((request, response) => standIn?.handle(request, response), {
      port: options.port,
    });
    standIn = new SesV2StandIn(server, origin, options.region, options);
    return standIn;
  }

  /** Requests refused for their shape: each is a mapping bug. */
  malformed(): SesStandInRequest[] {
    return this.requests.filter((request) => request.outcome === 'malformed');
  }

  /** The e-mails accepted for `address`. */
  to(address: string): AcceptedEmail[] {
    return this.accepted.filter((email) => email.to.includes(address));
  }

  /** Resolves when `predicate` holds (checked after every request); fails with `what` after `timeoutMs`. */
  async waitFor(predicate: (standIn: SesV2StandIn) => boolean, timeoutMs: number, what: string): Promise<void> {
    await this.waiters.until(
      () => predicate(this),
      timeoutMs,
      () => `ses stand-in: timed out after ${timeoutMs} ms waiting for ${what} (${this.summary()})`,
    );
  }

  summary(): string {
    const by = (outcome: SesRequestOutcome) => this.requests.filter((r) => r.outcome === outcome).length;
    return `${this.requests.length} requests, ${this.accepted.length} accepted, ${by('fault')} faults, ${by('malformed')} malformed`;
  }

  async stop(): Promise<void> {
    await stopStandInServer(this.server);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = (await readBody(request)).toString('utf8');
    let body: unknown;
    try {
      body = raw === '' ? undefined : JSON.parse(raw);
    } catch {
      body = undefined;
    }
    const path = (request.url ?? '').split('?')[0] ?? '';
    const entry: SesStandInRequest = {
      seq: this.requests.length + 1,
      at: Date.now(),
      method: request.method ?? '',
      path,
      headers: request.headers,
      body,
      problems: [],
      outcome: 'not_found',
      status: 0,
      response: undefined,
    };
    this.requests.push(entry);

    const send = request.method === 'POST' && path === '/v2/email/outbound-emails';
    const account = request.method === 'GET' && path === '/v2/email/account';
    if (!send && !account) {
      return this.error(entry, response, 'not_found', {
        status: 404,
        name: 'NotFoundException',
        message: `No route for ${request.method} ${path}`,
      });
    }
    const auth = this.authProblem(request.headers);
    if (auth) return this.error(entry, response, 'unauthorized', auth);
    if (account) {
      return this.answer(entry, response, 'account', 200, {
        DedicatedIpAutoWarmupEnabled: false,
        EnforcementStatus: 'HEALTHY',
        ProductionAccessEnabled: true,
        SendQuota: { Max24HourSend: 50_000, MaxSendRate: this.maxSendRate, SentLast24Hours: this.accepted.length },
        SendingEnabled: true,
      });
    }

    if (!isRecord(body)) {
      entry.problems.push('the body must be a JSON object');
      return this.error(entry, response, 'malformed', badRequest(entry.problems));
    }
    entry.problems.push(...contentTypeProblems(request.headers['content-type']), ...sendProblems(body));
    if (entry.problems.length > 0) return this.error(entry, response, 'malformed', badRequest(entry.problems));

    const configurationSet = body.ConfigurationSetName as string | undefined;
    if (configurationSet !== undefined && !this.configurationSets.includes(configurationSet)) {
      return this.error(entry, response, 'rejected', {
        status: 404,
        name: 'NotFoundException',
        message: `Configuration set <${configurationSet}> does not exist.`,
      });
    }
    const from = addressIn(body.FromEmailAddress as string) ?? '';
    if (!this.isVerified(from)) {
      return this.error(entry, response, 'rejected', {
        status: 400,
        name: 'MessageRejected',
        message: `Email address is not verified. The following identities failed the check in region ${(this.region ?? 'US-EAST-1').toUpperCase()}: ${from}`,
      });
    }

    this.sends += 1;
    const to = (body.Destination as { ToAddresses?: string[] }).ToAddresses ?? [];
    const view: SesFaultView = { count: this.sends, to, body };
    const fault = this.faults.find((candidate) => matches(candidate.match, view));
    if (fault) return this.error(entry, response, 'fault', fault.answer);

    const messageId = `0100019${randomBytes(6).toString('hex')}-${randomBytes(16)
      .toString('hex')
      .replace(/(.{8})(.{4})(.{4})(.{4})(.{12})/, '$1-$2-$3-$4-$5')}-000000`;
    this.accepted.push(acceptedEmail(body, messageId, entry.seq));
    return this.answer(entry, response, 'accepted', 200, { MessageId: messageId });
  }

  private isVerified(address: string): boolean {
    const lower = address.toLowerCase();
    const domain = lower.slice(lower.lastIndexOf('@') + 1);
    return this.verifiedIdentities.includes(lower) || this.verifiedIdentities.includes(domain);
  }

  /** A SigV4 signature for service `ses` (not checked cryptographically: the key is a dummy). */
  private authProblem(headers: IncomingHttpHeaders): SesErrorAnswer | undefined {
    const match =
      /^AWS4-HMAC-SHA256 Credential=([^/]+)\/(\d{8})\/([^/]+)\/([^/]+)\/aws4_request, SignedHeaders=[^,]+, Signature=[0-9a-f]{64}$/.exec(
        headers.authorization ?? '',
      );
    if (!match)
      return { status: 403, name: 'MissingAuthenticationTokenException', message: 'Missing Authentication Token' };
    const [, accessKey = '', , region, service] = match;
    if (service !== 'ses') {
      return {
        status: 403,
        name: 'InvalidSignatureException',
        message: `Credential should be scoped to correct service: 'ses'.`,
      };
    }
    if (this.region !== undefined && region !== this.region) {
      return {
        status: 403,
        name: 'InvalidSignatureException',
        message: `Credential should be scoped to a valid region.`,
      };
    }
    if (this.rejectedAccessKeys.has(accessKey)) {
      return {
        status: 403,
        name: 'UnrecognizedClientException',
        message: 'The security token included in the request is invalid.',
      };
    }
    return undefined;
  }

  private error(entry: SesStandInRequest, response: ServerResponse, outcome: SesRequestOutcome, error: SesErrorAnswer) {
    return this.answer(entry, response, outcome, error.status, { message: error.message }, error.name);
  }

  private answer(
    entry: SesStandInRequest,
    response: ServerResponse,
    outcome: SesRequestOutcome,
    status: number,
    json: unknown,
    errorType?: string,
  ): void {
    entry.outcome = outcome;
    entry.status = status;
    entry.response = json;
    response.statusCode = status;
    response.setHeader('content-type', 'application/json');
    response.setHeader('x-amzn-requestid', randomBytes(16).toString('hex'));
    if (errorType)
      response.setHeader('x-amzn-errortype', `${errorType}:http://internal.amazon.com/coral/com.amazonaws.sesv2/`);
    response.end(JSON.stringify(json));
    this.waiters.check();
  }
}

function sendProblems(body: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(body)) if (!SEND_KEYS.includes(key)) problems.push(`${key} is not a SendEmail field`);
  const from = body.FromEmailAddress;
  if (typeof from !== 'string' || addressIn(from) === undefined)
    problems.push('FromEmailAddress must be an e-mail address, optionally with a display name');
  else if (/[\r\n]/.test(from)) problems.push('FromEmailAddress must be one line');

  const destination = body.Destination;
  if (!isRecord(destination)) problems.push('Destination is required');
  else {
    const all = ['ToAddresses', 'CcAddresses', 'BccAddresses'].flatMap((field) => {
      const list = destination[field];
      if (list === undefined) return [];
      if (!Array.isArray(list)) {
        problems.push(`Destination.${field} must be a list`);
        return [];
      }
      return list as unknown[];
    });
    if (all.length === 0 || all.length > 50) problems.push('Destination must have 1 to 50 recipients');
    for (const address of all)
      if (typeof address !== 'string' || !ADDRESS.test(address)) problems.push(`Illegal address: ${String(address)}`);
  }
  const replyTo = body.ReplyToAddresses;
  if (replyTo !== undefined) {
    if (!Array.isArray(replyTo)) problems.push('ReplyToAddresses must be a list');
    else
      for (const address of replyTo)
        if (typeof address !== 'string' || !ADDRESS.test(address))
          problems.push(`Illegal reply-to address: ${String(address)}`);
  }

  const content = body.Content;
  const simple = isRecord(content) ? content.Simple : undefined;
  if (!isRecord(content) || !isRecord(simple) || Object.keys(content).length !== 1) {
    problems.push('Content must hold Simple content (this stand-in knows no Raw or Template)');
  } else {
    problems.push(...simpleProblems(simple));
  }

  const tags = body.EmailTags;
  if (tags !== undefined) {
    if (!Array.isArray(tags) || tags.length > 50) problems.push('EmailTags must be a list of at most 50 tags');
    else {
      const names = new Set<string>();
      for (const tag of tags as unknown[]) {
        if (!isRecord(tag) || typeof tag.Name !== 'string' || typeof tag.Value !== 'string') {
          problems.push('each tag must have a Name and a Value');
          continue;
        }
        if (!TAG.test(tag.Name))
          problems.push(`tag name ${tag.Name} has characters other than A-Z a-z 0-9 _ - (or over 256)`);
        if (!TAG.test(tag.Value))
          problems.push(`tag ${tag.Name}: its value has characters other than A-Z a-z 0-9 _ - (or over 256)`);
        if (names.has(tag.Name)) problems.push(`tag ${tag.Name} appears twice`);
        names.add(tag.Name);
      }
    }
  }
  const set = body.ConfigurationSetName;
  if (set !== undefined && (typeof set !== 'string' || !/^[A-Za-z0-9_-]{1,64}$/.test(set))) {
    problems.push('ConfigurationSetName must be 1 to 64 of A-Z a-z 0-9 _ -');
  }
  return problems;
}

function simpleProblems(simple: Record<string, unknown>): string[] {
  const problems: string[] = [];
  for (const key of Object.keys(simple))
    if (!['Subject', 'Body', 'Headers', 'Attachments'].includes(key))
      problems.push(`Content.Simple.${key} is not a field`);
  const part = (value: unknown, where: string, required: boolean) => {
    if (value === undefined) {
      if (required) problems.push(`${where} is required`);
      return;
    }
    if (!isRecord(value) || typeof value.Data !== 'string') {
      problems.push(`${where}.Data must be a string`);
      return;
    }
    if (value.Charset !== undefined && !/^(UTF-8|ISO-8859-1|Shift_JIS)$/i.test(String(value.Charset)))
      problems.push(`${where}.Charset is not one SES knows`);
  };
  part(simple.Subject, 'Content.Simple.Subject', true);
  if (isRecord(simple.Subject) && typeof simple.Subject.Data === 'string') {
    if (simple.Subject.Data.trim() === '') problems.push('Content.Simple.Subject.Data must not be empty');
    if (/[\r\n]/.test(simple.Subject.Data)) problems.push('Content.Simple.Subject.Data must be one line');
  }
  const body = simple.Body;
  if (!isRecord(body) || (body.Text === undefined && body.Html === undefined))
    problems.push('Content.Simple.Body needs Text or Html');
  else {
    part(body.Text, 'Content.Simple.Body.Text', false);
    part(body.Html, 'Content.Simple.Body.Html', false);
  }
  const headers = simple.Headers;
  if (headers !== undefined) {
    if (!Array.isArray(headers) || headers.length > 15)
      problems.push('Content.Simple.Headers must be a list of at most 15 headers');
    else {
      const seen = new Set<string>();
      for (const header of headers as unknown[]) {
        if (!isRecord(header) || typeof header.Name !== 'string' || typeof header.Value !== 'string') {
          problems.push('each header must have a Name and a Value');
          continue;
        }
        const name = header.Name.toLowerCase();
        if (!HEADER_NAME.test(header.Name)) problems.push(`header name ${header.Name} is not a valid header name`);
        if (RESERVED_HEADERS.has(name)) problems.push(`header ${header.Name} cannot be set`);
        if (/[\r\n]/.test(header.Value) || header.Value.length > 870)
          problems.push(`header ${header.Name}: its value must be one line of at most 870 characters`);
        if (seen.has(name) && name.startsWith('list-unsubscribe'))
          problems.push(`header ${header.Name} may appear once`);
        seen.add(name);
      }
    }
  }
  return problems;
}

function acceptedEmail(body: Record<string, unknown>, messageId: string, seq: number): AcceptedEmail {
  const simple = (body.Content as { Simple: Record<string, unknown> }).Simple;
  const parts = simple.Body as { Text?: { Data: string }; Html?: { Data: string } };
  const email: AcceptedEmail = {
    messageId,
    from: body.FromEmailAddress as string,
    to: (body.Destination as { ToAddresses?: string[] }).ToAddresses ?? [],
    replyTo: (body.ReplyToAddresses as string[] | undefined) ?? [],
    subject: (simple.Subject as { Data: string }).Data,
    headers: Object.fromEntries(
      ((simple.Headers as { Name: string; Value: string }[] | undefined) ?? []).map((h) => [h.Name, h.Value]),
    ),
    tags: Object.fromEntries(
      ((body.EmailTags as { Name: string; Value: string }[] | undefined) ?? []).map((t) => [t.Name, t.Value]),
    ),
    acceptedAt: Date.now(),
    seq,
  };
  if (parts.Text) email.text = parts.Text.Data;
  if (parts.Html) email.html = parts.Html.Data;
  if (typeof body.ConfigurationSetName === 'string') email.configurationSetName = body.ConfigurationSetName;
  return email;
}

/** The address of a From value: `a@b.c`, `"Name" <a@b.c>` or `=?UTF-8?B?...?= <a@b.c>`. */
function addressIn(from: string): string | undefined {
  const bracketed = /^(?:"(?:[^"\\]|\\.)*"|=\?[A-Za-z0-9-]+\?[BbQq]\?[^?]*\?=|[^<>"]*)\s*<([^<>]+)>$/.exec(from.trim());
  const address = bracketed ? bracketed[1] : from.trim();
  return address !== undefined && ADDRESS.test(address) ? address : undefined;
}

function badRequest(problems: string[]): SesErrorAnswer {
  return { status: 400, name: 'BadRequestException', message: problems.join('; ') };
}

function contentTypeProblems(contentType: string | undefined): string[] {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json'
    ? []
    : ['the Content-Type must be application/json'];
}

function matches(match: SesFaultMatch, view: SesFaultView): boolean {
  if (typeof match === 'function') return match(view);
  if ('everyNth' in match) return match.everyNth > 0 && view.count % match.everyNth === 0;
  if ('firstN' in match) return view.count <= match.firstN;
  return view.to.includes(match.to);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}
