import { createHmac, randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { RequestWaiters, readBody, startStandInServer, stopStandInServer } from './stand-in-server.js';

/**
 * A stand-in for the WhatsApp Cloud API (Meta Graph) messages endpoint, for tests: a node:http server on
 * 127.0.0.1 that checks every `POST /{version}/{phone-number-id}/messages` against Meta's documented request
 * shapes and answers as Meta does, so a mapping bug fails a test instead of reaching production.
 *
 * - Well-formed, authorised requests are accepted: `200 {messaging_product, contacts:[{input, wa_id}],
 *   messages:[{id:"wamid.…"}]}`, and recorded in {@link WhatsAppGraphStandIn.accepted}.
 * - Malformed ones get `400` with a Graph error (code 100, `error_data.details` listing the problems).
 * - A token other than {@link WhatsAppGraphStandIn.accessToken} gets `401` with code 190; another phone number
 *   id gets `400` code 100 subcode 33, as Graph does for an unknown object.
 * - {@link GraphFault}s answer chosen requests with a chosen error (by count, by recipient or by predicate);
 *   `latencyMs` delays answers.
 * - {@link WhatsAppGraphStandIn.postReceipts} posts signed status webhooks (sent, delivered, read or failed)
 *   for accepted messages to a callback URL, duplicated, shuffled, with unknown ids or bad signatures on demand.
 *
 * Every request is recorded in {@link WhatsAppGraphStandIn.requests}, whatever its outcome.
 *
 * Shapes: developers.facebook.com/documentation/business-messaging/whatsapp/messages/ (text, image, video,
 * document, template messages), the error-codes page and the status webhook reference.
 */

export type GraphMessageType = 'text' | 'template' | 'image' | 'video' | 'document';
const MESSAGE_TYPES: readonly GraphMessageType[] = ['text', 'template', 'image', 'video', 'document'];
const MEDIA_TYPES = ['image', 'video', 'document'] as const;

/** An error answer in Graph's shape: `{ error: { message, type, code, error_subcode?, error_data, fbtrace_id } }`. */
export interface GraphErrorAnswer {
  /** The HTTP status. */
  status: number;
  code: number;
  message: string;
  type?: string;
  subcode?: number;
  details?: string;
}

/**
 * Errors as Meta answers them (codes and titles from Meta's error-codes page). The HTTP status is what the
 * tests need, not a claim about Meta's: the adapter must branch on `code`.
 */
export const GRAPH_ERRORS = {
  throughput: {
    status: 429,
    code: 130429,
    message: '(#130429) Rate limit hit',
    details: 'Cloud API message throughput has been reached.',
  },
  pairRateLimit: {
    status: 400,
    code: 131056,
    message: '(#131056) (Business Account, Consumer Account) pair rate limit hit',
    details:
      'Too many messages sent from the sender phone number to the same recipient phone number in a short period of time.',
  },
  somethingWentWrong: { status: 500, code: 131000, message: '(#131000) Something went wrong' },
  undeliverable: { status: 400, code: 131026, message: '(#131026) Message Undeliverable.' },
  reEngagement: {
    status: 400,
    code: 131047,
    message: '(#131047) Re-engagement message',
    details:
      'Message failed to send because more than 24 hours have passed since the customer last replied to this number.',
  },
  templateMissing: {
    status: 404,
    code: 132001,
    message: '(#132001) Template name does not exist in the translation',
  },
  templateParameterCount: {
    status: 400,
    code: 132000,
    message: '(#132000) Number of parameters does not match the expected number of params',
  },
  templateParameterFormat: {
    status: 400,
    code: 132012,
    message: '(#132012) Parameter format does not match format in the created template',
  },
  expiredToken: {
    status: 401,
    code: 190,
    type: 'OAuthException',
    subcode: 463,
    message: 'Error validating access token: Session has expired.',
  },
  accountLocked: { status: 403, code: 131031, message: '(#131031) Business Account locked' },
  invalidParameter: { status: 400, code: 100, message: '(#100) Invalid parameter' },
} as const satisfies Record<string, GraphErrorAnswer>;

/** What a fault predicate sees of a well-formed, authorised send. */
export interface GraphFaultView {
  /** 1-based count of well-formed, authorised sends, this one included (refused shapes do not count). */
  count: number;
  to: string;
  type: GraphMessageType;
  body: Record<string, unknown>;
}

export type GraphFaultMatch =
  /** The nth, 2nth, 3nth... send. */
  | { everyNth: number }
  /** The first n sends. */
  | { firstN: number }
  /** Every send to this recipient (digits, as in `to`). */
  | { to: string }
  | ((view: GraphFaultView) => boolean);

/** Answers matching sends with `answer` instead of accepting them. The first matching fault wins. */
export interface GraphFault {
  match: GraphFaultMatch;
  answer: GraphErrorAnswer;
}

/** A template the stand-in knows, to answer 132001 / 132000 / 132012 like Meta for a mismatched send. */
export interface StandInTemplate {
  /** Language codes it is approved in; any when unset. */
  languages?: readonly string[];
  /** Body parameters: a count (positional, {{1}}...) or the names (named, {{first_name}}...). */
  body?: number | readonly string[];
  /** The media header it was created with, if any. */
  header?: 'image' | 'video' | 'document';
}

export interface GraphStandInOptions {
  accessToken: string;
  /** The business phone number id the path must name. Default `100000000000001`. */
  phoneNumberId?: string;
  /** The port to listen on (127.0.0.1); a free one when unset. */
  port?: number;
  /** When set, only these templates exist (others get 132001) and sends must match their parameters. */
  templates?: Readonly<Record<string, StandInTemplate>>;
  faults?: GraphFault[];
  /** Delay before every answer: a number, or per send (0 for anything not a well-formed send). */
  latencyMs?: number | ((view: GraphFaultView) => number);
}

export type GraphRequestOutcome = 'accepted' | 'malformed' | 'unauthorized' | 'unknown_object' | 'not_found' | 'fault';

export interface GraphStandInRequest {
  /** Arrival order, from 1. */
  seq: number;
  at: number;
  method: string;
  path: string;
  headers: IncomingHttpHeaders;
  rawBody: string;
  /** The parsed JSON body; undefined when it was not JSON. */
  body: unknown;
  /** Why the shape was refused; empty when it was well formed (or never checked). */
  problems: string[];
  outcome: GraphRequestOutcome;
  status: number;
  /** The JSON answered. */
  response: unknown;
  /** The `wamid.` id given, when accepted. */
  messageId?: string;
}

export interface AcceptedGraphMessage {
  id: string;
  to: string;
  type: GraphMessageType;
  reference?: string;
  acceptedAt: number;
  /** The request that carried it. */
  seq: number;
}

export type ReceiptProgress = 'sent' | 'delivered' | 'read';

export interface ReceiptOptions {
  callbackUrl: string;
  /** Signs each post's raw body (`X-Hub-Signature-256`). */
  appSecret: string;
  /** Whose receipts; every message accepted so far by default. */
  messages?: readonly AcceptedGraphMessage[];
  /** The statuses each message goes through, in this order. Default sent, delivered, read. */
  statuses?: readonly ReceiptProgress[];
  /** Leave out `delivered`, as Meta does when a message is delivered and read at once. */
  skipDelivered?: boolean;
  /** Messages whose delivery fails: `sent`, then `failed` with this error, instead of delivered / read. */
  failFor?: (message: AcceptedGraphMessage) => { code: number; title: string; details?: string } | undefined;
  /** Post every receipt twice. */
  duplicate?: boolean;
  /** Post in a random order; a number seeds it (the same seed, the same order). */
  shuffle?: boolean | number;
  /** Also post this many receipts for message ids nobody sent. */
  unknownIds?: number;
  /** Statuses per webhook post (Meta may batch them). Default 1. */
  statusesPerPost?: number;
  /** Sign these posts wrongly: all, or those whose 0-based index the function picks. */
  tamperSignature?: boolean | ((postIndex: number) => boolean);
  /** The WhatsApp Business Account id in `entry[].id`. Default `200000000000002`. */
  wabaId?: string;
}

export interface ReceiptPost {
  index: number;
  body: string;
  signature: string;
  tampered: boolean;
  statuses: { id: string; status: string }[];
  /** What the callback answered (0 when the request itself failed). */
  responseStatus: number;
}

/** A status as the webhook carries it (see the status webhook reference). */
export interface WebhookStatus {
  id: string;
  status: 'sent' | 'delivered' | 'read' | 'failed';
  timestamp: string;
  recipient_id: string;
  biz_opaque_callback_data?: string;
  conversation?: { id: string; origin: { type: string } };
  pricing?: { billable: boolean; pricing_model: string; category: string };
  errors?: { code: number; title: string; message: string; error_data: { details: string } }[];
}

export class WhatsAppGraphStandIn {
  readonly requests: GraphStandInRequest[] = [];
  readonly accepted: AcceptedGraphMessage[] = [];
  /** Mutable: a test can expire the token or add faults mid-run. */
  accessToken: string;
  faults: GraphFault[];
  latencyMs: GraphStandInOptions['latencyMs'];
  private sends = 0;
  private readonly waiters = new RequestWaiters();

  private constructor(
    private readonly server: Server,
    /** What `WHATSAPP_API_BASE_URL` would be: `http://127.0.0.1:<port>`. */
    readonly baseUrl: string,
    readonly phoneNumberId: string,
    private readonly templates: GraphStandInOptions['templates'],
    options: GraphStandInOptions,
  ) {
    this.accessToken = options.accessToken;
    this.faults = options.faults ?? [];
    this.latencyMs = options.latencyMs;
  }

  static async start(options: GraphStandInOptions): Promise<WhatsAppGraphStandIn> {
    let standIn: WhatsAppGraphStandIn | undefined;
    const { server, origin } = await startStandInServer((request, response) => standIn?.handle(request, response), {
      port: options.port,
      noRequestTimeout: true,
    });
    standIn = new WhatsAppGraphStandIn(
      server,
      origin,
      options.phoneNumberId ?? '100000000000001',
      options.templates,
      options,
    );
    return standIn;
  }

  /** The messages endpoint for `version` (the path the adapter must call). */
  messagesUrl(version = 'v23.0'): string {
    return `${this.baseUrl}/${version}/${this.phoneNumberId}/messages`;
  }

  /** Requests refused for their shape: each is a mapping bug. */
  malformed(): GraphStandInRequest[] {
    return this.requests.filter((request) => request.outcome === 'malformed');
  }

  /** Resolves when `predicate` holds (checked after every request); fails with `what` after `timeoutMs`. */
  async waitFor(predicate: (standIn: WhatsAppGraphStandIn) => boolean, timeoutMs: number, what: string): Promise<void> {
    await this.waiters.until(
      () => predicate(this),
      timeoutMs,
      () => `graph stand-in: timed out after ${timeoutMs} ms waiting for ${what} (${this.summary()})`,
    );
  }

  summary(): string {
    const malformed = this.malformed().length;
    return `${this.requests.length} requests, ${this.accepted.length} accepted, ${malformed} malformed`;
  }

  /**
   * Posts status webhooks for accepted messages to `options.callbackUrl`, one post after another, each signed
   * with `options.appSecret` over its exact bytes. Timestamps grow along each message's statuses, so a
   * consumer can order what arrives shuffled.
   */
  async postReceipts(options: ReceiptOptions): Promise<ReceiptPost[]> {
    const statuses = receiptStatusesFor(options.messages ?? this.accepted, options);
    const perPost = Math.max(1, options.statusesPerPost ?? 1);
    const posts: ReceiptPost[] = [];
    for (let start = 0; start < statuses.length; start += perPost) {
      const index = posts.length;
      const chunk = statuses.slice(start, start + perPost);
      const body = JSON.stringify(
        statusWebhookBody(chunk, { phoneNumberId: this.phoneNumberId, wabaId: options.wabaId }),
      );
      const tamper = options.tamperSignature;
      const tampered = typeof tamper === 'function' ? tamper(index) : tamper === true;
      const genuine = signatureOf(body, options.appSecret);
      const signature = tampered ? flipLastHexDigit(genuine) : genuine;
      const responseStatus = await fetch(options.callbackUrl, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'x-hub-signature-256': signature },
        body,
      }).then(
        async (response) => {
          await response.arrayBuffer().catch(() => undefined);
          return response.status;
        },
        () => 0,
      );
      posts.push({
        index,
        body,
        signature,
        tampered,
        statuses: chunk.map(({ id, status }) => ({ id, status })),
        responseStatus,
      });
    }
    return posts;
  }

  async stop(): Promise<void> {
    await stopStandInServer(this.server);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const rawBody = (await readBody(request)).toString('utf8');
    let body: unknown;
    try {
      body = JSON.parse(rawBody);
    } catch {
      body = undefined;
    }
    const path = (request.url ?? '').split('?')[0] ?? '';
    const entry: GraphStandInRequest = {
      seq: this.requests.length + 1,
      at: Date.now(),
      method: request.method ?? '',
      path,
      headers: request.headers,
      rawBody,
      body,
      problems: [],
      outcome: 'not_found',
      status: 0,
      response: undefined,
    };
    this.requests.push(entry);

    const route = /^\/v\d+\.\d+\/([^/]+)\/messages$/.exec(path);
    if (request.method !== 'POST' || !route) {
      return this.answer(
        entry,
        response,
        'not_found',
        graphError({ status: 404, code: 100, message: 'Unknown path components' }),
      );
    }
    const token = /^Bearer (\S+)$/.exec(request.headers.authorization ?? '')?.[1];
    if (token !== this.accessToken) {
      const answer =
        token === undefined
          ? {
              ...GRAPH_ERRORS.expiredToken,
              subcode: undefined,
              message: 'Invalid OAuth access token - Cannot parse access token',
            }
          : GRAPH_ERRORS.expiredToken;
      return this.answer(entry, response, 'unauthorized', graphError(answer));
    }
    if (route[1] !== this.phoneNumberId) {
      const message = `Unsupported post request. Object with ID '${route[1]}' does not exist, cannot be loaded due to missing permissions, or does not support this operation.`;
      return this.answer(
        entry,
        response,
        'unknown_object',
        graphError({ status: 400, code: 100, subcode: 33, message }),
      );
    }
    const problems = [...contentTypeProblems(request.headers['content-type']), ...graphMessageProblems(body)];
    if (problems.length > 0) {
      entry.problems = problems;
      return this.answer(
        entry,
        response,
        'malformed',
        graphError({ ...GRAPH_ERRORS.invalidParameter, details: problems.join('; ') }),
      );
    }
    const send = body as Record<string, unknown> & { to: string; type: GraphMessageType };
    this.sends += 1;
    const view: GraphFaultView = { count: this.sends, to: send.to, type: send.type, body: send };
    const delay = typeof this.latencyMs === 'function' ? this.latencyMs(view) : (this.latencyMs ?? 0);
    if (delay > 0) await sleep(delay);

    const templateError = this.templates ? templateMismatch(send, this.templates) : undefined;
    if (templateError) return this.answer(entry, response, 'fault', graphError(templateError));
    const fault = this.faults.find((candidate) => matches(candidate.match, view));
    if (fault) return this.answer(entry, response, 'fault', graphError(fault.answer));

    const id = `wamid.${randomBytes(24).toString('base64url')}`;
    const reference = typeof send.biz_opaque_callback_data === 'string' ? send.biz_opaque_callback_data : undefined;
    this.accepted.push({
      id,
      to: send.to,
      type: send.type,
      ...(reference === undefined ? {} : { reference }),
      acceptedAt: Date.now(),
      seq: entry.seq,
    });
    entry.messageId = id;
    return this.answer(entry, response, 'accepted', {
      status: 200,
      json: {
        messaging_product: 'whatsapp',
        contacts: [{ input: send.to, wa_id: send.to }],
        messages: [{ id, message_status: 'accepted' }],
      },
    });
  }

  private answer(
    entry: GraphStandInRequest,
    response: ServerResponse,
    outcome: GraphRequestOutcome,
    answer: { status: number; json: unknown },
  ): void {
    entry.outcome = outcome;
    entry.status = answer.status;
    entry.response = answer.json;
    if (!response.destroyed) {
      response.writeHead(answer.status, { 'content-type': 'application/json' }).end(JSON.stringify(answer.json));
    }
    this.waiters.check();
  }
}

/**
 * Why `body` is not a request Meta documents for the messages endpoint (empty when it is one). Strict on
 * purpose: unknown keys are refused, so a misspelt field fails a test rather than being dropped by Meta.
 */
export function graphMessageProblems(body: unknown): string[] {
  const problems: string[] = [];
  if (!isRecord(body)) return ['the body is not a JSON object'];
  unknownKeys(
    body,
    ['messaging_product', 'recipient_type', 'to', 'type', 'biz_opaque_callback_data', ...MESSAGE_TYPES],
    '',
    problems,
  );
  if (body.messaging_product !== 'whatsapp') problems.push('messaging_product must be "whatsapp"');
  if (body.recipient_type !== undefined && body.recipient_type !== 'individual')
    problems.push('recipient_type must be "individual"');
  if (typeof body.to !== 'string' || !/^[1-9]\d{6,14}$/.test(body.to))
    problems.push('to must be the recipient E.164 number in digits, without "+"');
  const reference = body.biz_opaque_callback_data;
  if (reference !== undefined && (typeof reference !== 'string' || reference.length > 512))
    problems.push('biz_opaque_callback_data must be a string of at most 512 characters');
  const type = body.type;
  if (typeof type !== 'string' || !(MESSAGE_TYPES as readonly string[]).includes(type)) {
    problems.push(`type must be one of ${MESSAGE_TYPES.join(', ')}`);
    return problems;
  }
  for (const other of MESSAGE_TYPES)
    if (other !== type && body[other] !== undefined) problems.push(`${other} is set but type is ${type}`);
  const object = body[type];
  if (!isRecord(object)) {
    problems.push(`${type} must be an object`);
    return problems;
  }
  if (type === 'text') textProblems(object, problems);
  else if (type === 'template') templateProblems(object, problems);
  else mediaProblems(object, type as (typeof MEDIA_TYPES)[number], problems);
  return problems;
}

/** A status webhook body as Meta posts it, for `statuses` of messages sent from `phoneNumberId`. */
export function statusWebhookBody(
  statuses: readonly WebhookStatus[],
  where: { phoneNumberId: string; wabaId?: string | undefined; displayPhoneNumber?: string },
): unknown {
  return {
    object: 'whatsapp_business_account',
    entry: [
      {
        id: where.wabaId ?? '200000000000002',
        changes: [
          {
            field: 'messages',
            value: {
              messaging_product: 'whatsapp',
              metadata: {
                display_phone_number: where.displayPhoneNumber ?? '15550000000',
                phone_number_id: where.phoneNumberId,
              },
              statuses,
            },
          },
        ],
      },
    ],
  };
}

function textProblems(text: Record<string, unknown>, problems: string[]): void {
  unknownKeys(text, ['body', 'preview_url'], 'text.', problems);
  if (typeof text.body !== 'string' || text.body.trim() === '') problems.push('text.body must be a non-empty string');
  else if (text.body.length > 4096) problems.push('text.body must be at most 4096 characters');
  if (text.preview_url !== undefined && typeof text.preview_url !== 'boolean')
    problems.push('text.preview_url must be a boolean');
}

function mediaProblems(media: Record<string, unknown>, type: (typeof MEDIA_TYPES)[number], problems: string[]): void {
  unknownKeys(media, type === 'document' ? ['link', 'caption', 'filename'] : ['link', 'caption'], `${type}.`, problems);
  linkProblems(media.link, `${type}.link`, problems);
  if (media.caption !== undefined) {
    if (typeof media.caption !== 'string' || media.caption === '')
      problems.push(`${type}.caption must be a non-empty string`);
    else if (media.caption.length > 1024) problems.push(`${type}.caption must be at most 1024 characters`);
  }
  if (media.filename !== undefined && (typeof media.filename !== 'string' || media.filename === ''))
    problems.push('document.filename must be a non-empty string');
}

function templateProblems(template: Record<string, unknown>, problems: string[]): void {
  unknownKeys(template, ['name', 'language', 'components'], 'template.', problems);
  if (typeof template.name !== 'string' || !/^[a-z0-9_]{1,512}$/.test(template.name))
    problems.push('template.name must be a template name (lowercase letters, digits, underscores)');
  const language = template.language;
  if (!isRecord(language)) problems.push('template.language must be an object');
  else {
    unknownKeys(language, ['code', 'policy'], 'template.language.', problems);
    if (typeof language.code !== 'string' || !/^[a-z]{2,3}(?:_[A-Z]{2})?$/.test(language.code))
      problems.push('template.language.code must be a language code such as en_US');
    if (language.policy !== undefined && language.policy !== 'deterministic')
      problems.push('template.language.policy must be "deterministic"');
  }
  if (template.components === undefined) return;
  if (!Array.isArray(template.components)) {
    problems.push('template.components must be an array');
    return;
  }
  const seen = new Set<string>();
  const naming = new Set<'named' | 'positional'>();
  for (const [index, component] of (template.components as unknown[]).entries()) {
    const where = `template.components[${index}]`;
    if (!isRecord(component)) {
      problems.push(`${where} must be an object`);
      continue;
    }
    const type = component.type;
    if (type !== 'header' && type !== 'body' && type !== 'button') {
      problems.push(`${where}.type must be header, body or button`);
      continue;
    }
    if (type !== 'button') {
      if (seen.has(type)) problems.push(`${where}: only one ${type} component is allowed`);
      seen.add(type);
    }
    const allowed = type === 'button' ? ['type', 'sub_type', 'index', 'parameters'] : ['type', 'parameters'];
    unknownKeys(component, allowed, `${where}.`, problems);
    if (!Array.isArray(component.parameters) || component.parameters.length === 0) {
      problems.push(`${where}.parameters must be a non-empty array`);
      continue;
    }
    if (type === 'header') headerProblems(component.parameters, where, problems, naming);
    if (type === 'body')
      for (const [at, parameter] of (component.parameters as unknown[]).entries())
        textParameterProblems(parameter, `${where}.parameters[${at}]`, problems, naming);
  }
  if (naming.size > 1) problems.push('template parameters must be all named or all positional');
}

function headerProblems(
  parameters: unknown[],
  where: string,
  problems: string[],
  naming: Set<'named' | 'positional'>,
): void {
  if (parameters.length !== 1) problems.push(`${where}.parameters must hold exactly one parameter`);
  const parameter = parameters[0];
  if (isRecord(parameter) && parameter.type === 'text') {
    textParameterProblems(parameter, `${where}.parameters[0]`, problems, naming);
    return;
  }
  if (!isRecord(parameter) || !(MEDIA_TYPES as readonly unknown[]).includes(parameter.type)) {
    problems.push(`${where}.parameters[0].type must be image, video, document or text`);
    return;
  }
  const type = parameter.type as (typeof MEDIA_TYPES)[number];
  unknownKeys(parameter, ['type', type], `${where}.parameters[0].`, problems);
  const media = parameter[type];
  if (!isRecord(media)) {
    problems.push(`${where}.parameters[0].${type} must be an object`);
    return;
  }
  unknownKeys(
    media,
    type === 'document' ? ['link', 'filename'] : ['link'],
    `${where}.parameters[0].${type}.`,
    problems,
  );
  linkProblems(media.link, `${where}.parameters[0].${type}.link`, problems);
}

function textParameterProblems(
  parameter: unknown,
  where: string,
  problems: string[],
  naming: Set<'named' | 'positional'>,
): void {
  if (!isRecord(parameter) || parameter.type !== 'text') {
    problems.push(`${where} must be a text parameter`);
    return;
  }
  unknownKeys(parameter, ['type', 'text', 'parameter_name'], `${where}.`, problems);
  if (typeof parameter.text !== 'string' || parameter.text === '')
    problems.push(`${where}.text must be a non-empty string`);
  if (parameter.parameter_name === undefined) naming.add('positional');
  else {
    naming.add('named');
    if (typeof parameter.parameter_name !== 'string' || !/^[a-z0-9_]+$/.test(parameter.parameter_name))
      problems.push(`${where}.parameter_name must be lowercase letters, digits and underscores`);
  }
}

function linkProblems(link: unknown, where: string, problems: string[]): void {
  if (typeof link !== 'string') {
    problems.push(`${where} must be a URL`);
    return;
  }
  try {
    const url = new URL(link);
    if (url.protocol !== 'https:' && url.protocol !== 'http:') problems.push(`${where} must be an http(s) URL`);
  } catch {
    problems.push(`${where} must be a URL`);
  }
}

function contentTypeProblems(contentType: string | undefined): string[] {
  return contentType?.split(';')[0]?.trim().toLowerCase() === 'application/json'
    ? []
    : ['the Content-Type must be application/json'];
}

/** Meta's answer when a well-formed template send does not fit the template it names. */
function templateMismatch(
  send: Record<string, unknown>,
  templates: Readonly<Record<string, StandInTemplate>>,
): GraphErrorAnswer | undefined {
  if (send.type !== 'template') return undefined;
  const template = send.template as {
    name: string;
    language: { code: string };
    components?: Record<string, unknown>[];
  };
  const known = templates[template.name];
  if (!known || (known.languages && !known.languages.includes(template.language.code)))
    return GRAPH_ERRORS.templateMissing;
  const component = (type: string) => template.components?.find((candidate) => candidate.type === type);
  const header = component('header')?.parameters as { type: string }[] | undefined;
  if ((header?.[0]?.type ?? undefined) !== known.header) return GRAPH_ERRORS.templateParameterFormat;
  const body = (component('body')?.parameters ?? []) as { parameter_name?: string }[];
  const expected = known.body ?? 0;
  if (typeof expected === 'number') {
    if (body.some((parameter) => parameter.parameter_name !== undefined)) return GRAPH_ERRORS.templateParameterFormat;
    return body.length === expected ? undefined : GRAPH_ERRORS.templateParameterCount;
  }
  const names = body.map((parameter) => parameter.parameter_name);
  if (names.some((name) => name === undefined)) return GRAPH_ERRORS.templateParameterFormat;
  const same = names.length === expected.length && expected.every((name) => names.includes(name));
  return same ? undefined : GRAPH_ERRORS.templateParameterCount;
}

function matches(match: GraphFaultMatch, view: GraphFaultView): boolean {
  if (typeof match === 'function') return match(view);
  if ('everyNth' in match) return match.everyNth > 0 && view.count % match.everyNth === 0;
  if ('firstN' in match) return view.count <= match.firstN;
  return view.to === match.to;
}

function graphError(answer: GraphErrorAnswer): { status: number; json: unknown } {
  return {
    status: answer.status,
    json: {
      error: {
        message: answer.message,
        type: answer.type ?? 'OAuthException',
        code: answer.code,
        ...(answer.subcode === undefined ? {} : { error_subcode: answer.subcode }),
        error_data: { messaging_product: 'whatsapp', details: answer.details ?? answer.message },
        fbtrace_id: randomBytes(9).toString('base64url'),
      },
    },
  };
}

/** The statuses to post, in posting order. */
function receiptStatusesFor(messages: readonly AcceptedGraphMessage[], options: ReceiptOptions): WebhookStatus[] {
  const progress = (options.statuses ?? ['sent', 'delivered', 'read']).filter(
    (status) => !(options.skipDelivered && status === 'delivered'),
  );
  const statuses: WebhookStatus[] = [];
  for (const message of messages) {
    const base = Math.floor(message.acceptedAt / 1000);
    const common = {
      id: message.id,
      recipient_id: message.to,
      ...(message.reference === undefined ? {} : { biz_opaque_callback_data: message.reference }),
    };
    const failure = options.failFor?.(message);
    if (failure) {
      statuses.push({ ...common, status: 'sent', timestamp: String(base), ...billing(message.id) });
      statuses.push({
        ...common,
        status: 'failed',
        timestamp: String(base + 1),
        errors: [
          {
            code: failure.code,
            title: failure.title,
            message: failure.title,
            error_data: { details: failure.details ?? failure.title },
          },
        ],
      });
      continue;
    }
    progress.forEach((status, step) => {
      statuses.push({
        ...common,
        status,
        timestamp: String(base + step),
        ...(status === 'read' ? {} : billing(message.id)),
      });
    });
  }
  for (let unknown = 0; unknown < (options.unknownIds ?? 0); unknown += 1) {
    statuses.push({
      id: `wamid.unknown-${unknown}-${randomBytes(6).toString('base64url')}`,
      status: 'delivered',
      timestamp: String(Math.floor(Date.now() / 1000)),
      recipient_id: '15550001111',
    });
  }
  const posted = options.duplicate ? statuses.flatMap((status) => [status, status]) : statuses;
  if (options.shuffle !== undefined && options.shuffle !== false) {
    const seed = typeof options.shuffle === 'number' ? options.shuffle : Date.now();
    shuffleInPlace(posted, seededRandom(seed));
  }
  return posted;
}

function billing(messageId: string): Pick<WebhookStatus, 'conversation' | 'pricing'> {
  return {
    conversation: { id: `conversation-${messageId.slice(-8)}`, origin: { type: 'marketing' } },
    pricing: { billable: true, pricing_model: 'PMP', category: 'marketing' },
  };
}

function signatureOf(body: string, appSecret: string): string {
  return `sha256=${createHmac('sha256', appSecret).update(body, 'utf8').digest('hex')}`;
}

function flipLastHexDigit(signature: string): string {
  const last = signature.at(-1);
  return `${signature.slice(0, -1)}${last === '0' ? '1' : '0'}`;
}

function unknownKeys(
  object: Record<string, unknown>,
  allowed: readonly string[],
  where: string,
  problems: string[],
): void {
  for (const key of Object.keys(object))
    if (!allowed.includes(key)) problems.push(`${where}${key} is not a known field`);
}

function isRecord(value: unknown): value is Record<string, unknown> {
  return value !== null && typeof value === 'object' && !Array.isArray(value);
}

/** mulberry32: small, seedable, good enough to shuffle test data. */
function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 2 ** 32;
  };
}

function shuffleInPlace<T>(items: T[], random: () => number): void {
  for (let i = items.length - 1; i > 0; i -= 1) {
    const j = Math.floor(random() * (i + 1));
    [items[i], items[j]] = [items[j] as T, items[i] as T];
  }
}

function sleep(ms: number): Promise<void> {
  return new Promise((done) => setTimeout(done, ms));
}
