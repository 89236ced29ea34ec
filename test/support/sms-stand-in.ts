import { randomUUID } from 'node:crypto';
import type { IncomingHttpHeaders, IncomingMessage, Server, ServerResponse } from 'node:http';
import { type SmsEncoding, smsPartsOf } from '../../lib/domain/sms-parts.js';
import { readBody, startStandInServer, stopStandInServer } from './stand-in-server.js';

/**
 * A stand-in for AWS End User Messaging SMS (pinpoint-sms-voice-v2) SendTextMessage, for tests: a node:http server on
 * 127.0.0.1 speaking the service's protocol as the AWS SDK calls it (AWS JSON 1.0: `POST /`, `Content-Type:
 * application/x-amz-json-1.0`, `X-Amz-Target: PinpointSMSVoiceV2.SendTextMessage`, a SigV4 `Authorization` for the
 * `sms-voice` service), reached through AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2 with dummy credentials.
 *
 * - A well-formed request is accepted: `200 {"MessageId": "..."}`, recorded in {@link SmsStandIn.accepted} with its
 *   message parts (GSM-7 / UCS-2).
 * - Every field is checked against the API reference's constraints (E.164 destination, body of 1 to 1,600
 *   characters, message type, configuration set and MaxPrice patterns, Context of at most 5 entries of bounded
 *   keys and values, no field the API does not have): a request that breaks one gets `400 ValidationException`
 *   (`FIELD_VALIDATION_FAILED`, `Fields` naming them) and is listed by {@link SmsStandIn.malformed}.
 * - An origination identity or configuration set it does not know gets `ResourceNotFoundException`; a destination on
 *   its opt-out list gets `ConflictException` `DESTINATION_PHONE_NUMBER_OPTED_OUT`, as AWS does for a number that
 *   texted STOP.
 * - {@link SmsFault}s answer chosen sends with a chosen error: throttling, the monthly spend limit, access denied,
 *   an internal error, or no answer at all (`hang`).
 *
 * Errors are in AWS JSON 1.0's shape: `{"__type": "<namespace>#<Name>", "Message": ..., "Reason": ..., ...}` and an
 * `x-amzn-ErrorType` header.
 */

const TARGET = 'PinpointSMSVoiceV2.SendTextMessage';
const NAMESPACE = 'com.amazonaws.pinpointsmsvoicev2';
const FIELDS = new Set([
  'DestinationPhoneNumber',
  'OriginationIdentity',
  'MessageBody',
  'MessageType',
  'Keyword',
  'ConfigurationSetName',
  'MaxPrice',
  'TimeToLive',
  'Context',
  'DestinationCountryParameters',
  'DryRun',
  'ProtectConfigurationId',
  'MessageFeedbackEnabled',
]);

/** An error answer in AWS JSON 1.0's shape. */
export interface SmsErrorAnswer {
  status: number;
  type: string;
  message: string;
  reason?: string;
  resourceType?: string;
  resourceId?: string;
}

/** Errors as the API reference lists them for SendTextMessage. */
export const SMS_ERRORS = {
  throttling: { status: 400, type: 'ThrottlingException', message: 'Rate exceeded' },
  monthlySpendLimit: {
    status: 402,
    type: 'ServiceQuotaExceededException',
    message: 'You have reached your monthly spend limit for text messages.',
    reason: 'MONTHLY_SPEND_LIMIT_REACHED_FOR_TEXT',
  },
  accessDenied: {
    status: 403,
    type: 'AccessDeniedException',
    message: 'User is not authorized to perform: sms-voice:SendTextMessage',
  },
  internal: { status: 500, type: 'InternalServerException', message: 'Internal failure' },
} as const satisfies Record<string, SmsErrorAnswer>;

/** What a fault predicate sees of a well-formed send. */
export interface SmsFaultView {
  /** 1-based count of well-formed sends, this one included. */
  count: number;
  destination: string;
  body: string;
}

export type SmsFaultMatch =
  | { firstN: number }
  /** The nth send and every later one. */
  | { fromNth: number }
  | { destination: string }
  | ((view: SmsFaultView) => boolean);

/** Answers matching sends with `answer` (or never answers them: `hang`). The first matching fault wins. */
export type SmsFault = { match: SmsFaultMatch } & ({ answer: SmsErrorAnswer } | { hang: true });

export interface SmsStandInOptions {
  /** The port to listen on (127.0.0.1); a free one when unset. */
  port?: number;
  /** The origination identities that exist; others get ResourceNotFoundException. Default `+12065550100`. */
  originationIdentities?: readonly string[];
  /** The configuration sets that exist; others get ResourceNotFoundException. Default `broadcast-sms`. */
  configurationSets?: readonly string[];
  /** Destinations that opted out (texted STOP). */
  optedOut?: readonly string[];
  faults?: SmsFault[];
}

export type SmsRequestOutcome = 'accepted' | 'malformed' | 'not_found' | 'opted_out' | 'fault' | 'hung';

export interface SmsStandInRequest {
  seq: number;
  headers: IncomingHttpHeaders;
  body: unknown;
  problems: string[];
  outcome: SmsRequestOutcome;
  status: number;
}

export interface AcceptedSms {
  messageId: string;
  destination: string;
  originationIdentity: string;
  body: string;
  messageType: string | undefined;
  configurationSetName: string | undefined;
  maxPrice: string | undefined;
  context: Record<string, string>;
  parts: number;
  encoding: SmsEncoding;
  seq: number;
  /** When the request arrived (epoch ms): what pacing tests measure. */
  receivedAtMs: number;
}

export class SmsStandIn {
  readonly requests: SmsStandInRequest[] = [];
  readonly accepted: AcceptedSms[] = [];
  /** Mutable: a test may add or clear faults mid-run. */
  faults: SmsFault[];
  readonly optedOut: Set<string>;
  private readonly identities: Set<string>;
  private readonly configurationSets: Set<string>;
  private sends = 0;
  private readonly hanging = new Set<ServerResponse>();

  private constructor(
    private readonly server: Server,
    /** What AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2 would be: `http://127.0.0.1:<port>`. */
    readonly endpoint: string,
    options: SmsStandInOptions,
  ) {
    this.faults = options.faults ?? [];
    this.optedOut = new Set(options.optedOut ?? []);
    this.identities = new Set(options.originationIdentities ?? ['+12065550100']);
    this.configurationSets = new Set(options.configurationSets ?? ['broadcast-sms']);
  }

  static async start(options: SmsStandInOptions = {}): Promise<SmsStandIn> {
    let standIn: SmsStandIn | undefined;
    const { server, origin } = await startStandInServer((request, response) => standIn?.handle(request, response), {
      port: options.port,
    });
    standIn = new SmsStandIn(server, origin, options);
    return standIn;
  }

  /** Requests refused for their shape: each is a mapping bug. */
  malformed(): SmsStandInRequest[] {
    return this.requests.filter((request) => request.outcome === 'malformed');
  }

  async stop(): Promise<void> {
    for (const response of this.hanging) response.destroy();
    await stopStandInServer(this.server);
  }

  private async handle(request: IncomingMessage, response: ServerResponse): Promise<void> {
    const raw = (await readBody(request)).toString('utf8');
    const seq = this.requests.length + 1;
    const record = (outcome: SmsRequestOutcome, status: number, body: unknown, problems: string[] = []) =>
      this.requests.push({ seq, headers: request.headers, body, problems, outcome, status });

    const protocolProblems = protocolProblemsOf(request);
    let body: unknown;
    try {
      body = JSON.parse(raw);
    } catch {
      protocolProblems.push('the body is not JSON');
    }
    if (protocolProblems.length > 0) {
      record('malformed', 400, body, protocolProblems);
      return answerError(response, {
        status: 400,
        type: 'SerializationException',
        message: protocolProblems.join('; '),
      });
    }
    const fields = fieldProblemsOf(body);
    if (fields.length > 0) {
      record(
        'malformed',
        400,
        body,
        fields.map((f) => `${f.Name}: ${f.Message}`),
      );
      return answerError(response, validationError(fields));
    }
    const send = body as Record<string, unknown>;
    const destination = send.DestinationPhoneNumber as string;
    const origination = send.OriginationIdentity as string;
    const configurationSet = send.ConfigurationSetName as string | undefined;
    if (!this.identities.has(origination)) {
      record('not_found', 400, body);
      return answerError(response, {
        status: 400,
        type: 'ResourceNotFoundException',
        message: 'Origination identity not found',
        resourceType: 'phone-number',
        resourceId: origination,
      });
    }
    if (configurationSet !== undefined && !this.configurationSets.has(configurationSet)) {
      record('not_found', 400, body);
      return answerError(response, {
        status: 400,
        type: 'ResourceNotFoundException',
        message: 'Configuration set not found',
        resourceType: 'configuration-set',
        resourceId: configurationSet,
      });
    }
    this.sends++;
    const view: SmsFaultView = { count: this.sends, destination, body: send.MessageBody as string };
    const fault = this.faults.find((f) => matches(f.match, view));
    if (fault && 'hang' in fault) {
      record('hung', 0, body);
      this.hanging.add(response);
      response.once('close', () => this.hanging.delete(response));
      return;
    }
    if (fault) {
      record('fault', fault.answer.status, body);
      return answerError(response, fault.answer);
    }
    if (this.optedOut.has(destination)) {
      record('opted_out', 400, body);
      return answerError(response, {
        status: 400,
        type: 'ConflictException',
        message: 'The destination phone number is opted out.',
        reason: 'DESTINATION_PHONE_NUMBER_OPTED_OUT',
        resourceType: 'opted-out-number',
        resourceId: destination,
      });
    }
    const messageId = randomUUID();
    const text = send.MessageBody as string;
    const { parts, encoding } = smsPartsOf(text);
    this.accepted.push({
      messageId,
      destination,
      originationIdentity: origination,
      body: text,
      messageType: send.MessageType as string | undefined,
      configurationSetName: configurationSet,
      maxPrice: send.MaxPrice as string | undefined,
      context: (send.Context as Record<string, string> | undefined) ?? {},
      parts,
      encoding,
      seq,
      receivedAtMs: Date.now(),
    });
    record('accepted', 200, body);
    answer(response, 200, { MessageId: messageId });
  }
}

function protocolProblemsOf(request: IncomingMessage): string[] {
  const problems: string[] = [];
  if (request.method !== 'POST' || request.url !== '/')
    problems.push(`${request.method} ${request.url}: expected POST /`);
  if (request.headers['x-amz-target'] !== TARGET) problems.push(`X-Amz-Target ${request.headers['x-amz-target']}`);
  if (request.headers['content-type'] !== 'application/x-amz-json-1.0') {
    problems.push(`Content-Type ${request.headers['content-type']}`);
  }
  const authorization = request.headers.authorization ?? '';
  if (
    !/^AWS4-HMAC-SHA256 Credential=[^/]+\/\d{8}\/[a-z0-9-]+\/sms-voice\/aws4_request, SignedHeaders=.+, Signature=[0-9a-f]{64}$/.test(
      authorization,
    )
  ) {
    problems.push('no SigV4 Authorization for the sms-voice service');
  }
  if (!request.headers['x-amz-date']) problems.push('no X-Amz-Date');
  return problems;
}

interface FieldProblem {
  Name: string;
  Message: string;
}

/** The API reference's constraints on SendTextMessage's fields. */
function fieldProblemsOf(body: unknown): FieldProblem[] {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) return [{ Name: '', Message: 'not an object' }];
  const send = body as Record<string, unknown>;
  const problems: FieldProblem[] = [];
  const check = (name: string, ok: boolean, message: string) => {
    if (!ok) problems.push({ Name: name, Message: message });
  };
  const string = (name: string, pattern: RegExp, min: number, max: number, required: boolean) => {
    const value = send[name];
    if (value === undefined) return check(name, !required, 'is required');
    check(
      name,
      typeof value === 'string' && value.length >= min && value.length <= max && pattern.test(value),
      `must be ${min}-${max} characters matching ${pattern}`,
    );
  };
  for (const key of Object.keys(send)) check(key, FIELDS.has(key), 'is not a field of SendTextMessage');
  string('DestinationPhoneNumber', /^\+?[1-9][0-9]{1,18}$/, 1, 20, true);
  // Optional in the model (a configuration set's default sender may stand in), always given by this service.
  string('OriginationIdentity', /^[A-Za-z0-9_:/+-]+$/, 1, 256, true);
  string('MessageBody', /^(?!\s*$)[\s\S]+$/, 1, 1600, true);
  if (send.MessageType !== undefined) {
    check('MessageType', send.MessageType === 'TRANSACTIONAL' || send.MessageType === 'PROMOTIONAL', 'unknown type');
  }
  string('ConfigurationSetName', /^[A-Za-z0-9_:/-]+$/, 1, 256, false);
  string('MaxPrice', /^[0-9]{0,2}\.[0-9]{1,5}$/, 2, 8, false);
  if (send.TimeToLive !== undefined) {
    const ttl = send.TimeToLive;
    check('TimeToLive', Number.isInteger(ttl) && (ttl as number) >= 5 && (ttl as number) <= 259200, '5-259200');
  }
  if (send.Context !== undefined) {
    const context = send.Context;
    const entries = context !== null && typeof context === 'object' ? Object.entries(context) : [];
    check('Context', typeof context === 'object' && context !== null && entries.length <= 5, 'at most 5 entries');
    for (const [key, value] of entries) {
      check('Context', key.length >= 1 && key.length <= 100 && /^\S+$/.test(key), `key ${key}`);
      check(
        'Context',
        typeof value === 'string' && value.length >= 1 && value.length <= 800 && value === value.trim(),
        `value of ${key}: 1-800 characters, no whitespace around`,
      );
    }
  }
  return problems;
}

function validationError(fields: FieldProblem[]): SmsErrorAnswer & { fields: FieldProblem[] } {
  return {
    status: 400,
    type: 'ValidationException',
    message: `${fields.length} validation error(s)`,
    reason: 'FIELD_VALIDATION_FAILED',
    fields,
  };
}

function matches(match: SmsFaultMatch, view: SmsFaultView): boolean {
  if (typeof match === 'function') return match(view);
  if ('firstN' in match) return view.count <= match.firstN;
  if ('fromNth' in match) return view.count >= match.fromNth;
  return view.destination === match.destination;
}

function answerError(response: ServerResponse, error: SmsErrorAnswer & { fields?: FieldProblem[] }): void {
  answer(
    response,
    error.status,
    {
      __type: `${NAMESPACE}#${error.type}`,
      Message: error.message,
      ...(error.reason ? { Reason: error.reason } : {}),
      ...(error.resourceType ? { ResourceType: error.resourceType } : {}),
      ...(error.resourceId ? { ResourceId: error.resourceId } : {}),
      ...(error.fields ? { Fields: error.fields } : {}),
    },
    { 'x-amzn-errortype': `${error.type}:http://internal.amazon.com/coral/${NAMESPACE}/` },
  );
}

function answer(response: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  response.writeHead(status, {
    'content-type': 'application/x-amz-json-1.0',
    'content-length': Buffer.byteLength(text),
    'x-amzn-requestid': randomUUID(),
    ...headers,
  });
  response.end(text);
}
