import type { OutboundMessage } from '../../../ports/channel-sender.js';

/**
 * The body of `POST /{version}/{phone-number-id}/messages` (WhatsApp Cloud API) for one outbound message.
 *
 * Shapes follow Meta's message references (text, image, video, document and template messages under
 * developers.facebook.com/documentation/business-messaging/whatsapp/messages/) and the WhatsApp Node.js SDK's
 * TemplateObject. Limits that Meta documents and that are cheap to check here are checked here, so a message
 * Meta would refuse fails with a GraphMessageError (a permanent failure for that contact) instead of a request.
 */

export const DEFAULT_TEMPLATE_LANGUAGE = 'en_US';
/** Meta: text body, "Maximum 4096 characters". */
export const MAX_TEXT_BODY_CHARS = 4096;
/** Meta: media caption, "Maximum 1024 characters". */
export const MAX_CAPTION_CHARS = 1024;
/** `biz_opaque_callback_data`: "Maximum 512 characters" (Meta's messages API; echoed in status webhooks). */
export const MAX_REFERENCE_CHARS = 512;
/**
 * A body text parameter: 32768 characters when the body is the template's only component, 1024 otherwise
 * (the limits whatsapp-api-js enforces for Meta's BodyParameter).
 */
export const MAX_BODY_PARAMETER_CHARS = 32_768;
export const MAX_BODY_PARAMETER_CHARS_WITH_HEADER = 1024;
/** A document's filename is taken from the URL; longer names are cut (the client only shows it). */
const MAX_FILENAME_CHARS = 240;

export type MediaKind = 'image' | 'video' | 'document';

/**
 * Image: only JPEG and PNG are image types in Meta's supported-media table; `.webp` is listed there as a
 * sticker (no caption, 100-500 KB), so a `.webp` URL goes as a document (delivered, with its caption) rather
 * than as an image Meta would refuse. Video: MP4 and 3GPP. Anything else is a document (PDF, Office files, text).
 * An explicit `mediaKind` hint wins over the extension.
 */
const KIND_BY_EXTENSION: Readonly<Record<string, MediaKind>> = {
  jpg: 'image',
  jpeg: 'image',
  png: 'image',
  mp4: 'video',
  '3gp': 'video',
  '3gpp': 'video',
};

export interface GraphMediaObject {
  link: string;
  caption?: string;
  /** Documents only: the name (with extension) the client shows and picks an icon by. */
  filename?: string;
}

export interface GraphTextParameter {
  type: 'text';
  text: string;
  /** Named templates ({{first_name}}) only; positional templates ({{1}}) leave it out. */
  parameter_name?: string;
}

export type GraphMediaParameter =
  | { type: 'image'; image: { link: string } }
  | { type: 'video'; video: { link: string } }
  | { type: 'document'; document: { link: string; filename?: string } };

export type GraphTemplateComponent =
  | { type: 'header'; parameters: [GraphMediaParameter] }
  | { type: 'body'; parameters: GraphTextParameter[] };

export interface GraphTemplate {
  name: string;
  language: { code: string };
  components?: GraphTemplateComponent[];
}

interface GraphEnvelope {
  messaging_product: 'whatsapp';
  recipient_type: 'individual';
  /** The recipient's number, digits only (E.164 without the `+`). */
  to: string;
  /** Echoed back in every status webhook of this message: how a receipt finds its execution. */
  biz_opaque_callback_data?: string;
}

export type GraphMessage = GraphEnvelope &
  (
    | { type: 'text'; text: { body: string } }
    | { type: 'template'; template: GraphTemplate }
    | { type: 'image'; image: GraphMediaObject }
    | { type: 'video'; video: GraphMediaObject }
    | { type: 'document'; document: GraphMediaObject }
  );

export type GraphMessageProblem =
  | 'no_phone'
  | 'invalid_phone'
  | 'missing_content'
  | 'missing_template'
  | 'missing_media_url'
  | 'invalid_media_url'
  | 'text_too_long'
  | 'caption_too_long'
  | 'parameter_too_long'
  | 'positional_gap'
  | 'reference_too_long';

/** The message cannot be sent as it stands: retrying cannot help, so the adapter fails this contact. */
export class GraphMessageError extends Error {
  constructor(
    readonly problem: GraphMessageProblem,
    message: string,
  ) {
    super(message);
    this.name = 'GraphMessageError';
  }
}

export interface GraphMessageOptions {
  /** The approved template's language and locale code; `en_US` when unset. */
  language?: string;
  /**
   * What status webhooks echo back as `biz_opaque_callback_data` (at most 512 characters); the execution id
   * when unset. A caller that needs more than the id to find the execution (tenant, broadcast) passes it here.
   */
  reference?: string;
  /** The media's kind, when the URL's extension does not tell (or tells wrong). */
  mediaKind?: MediaKind;
}

/** Maps one rendered outbound message to the Cloud API's request body, or throws a GraphMessageError. */
export function toGraphMessage(outbound: OutboundMessage, options: GraphMessageOptions = {}): GraphMessage {
  const reference = options.reference ?? outbound.executionId;
  if (reference.length > MAX_REFERENCE_CHARS)
    throw new GraphMessageError(
      'reference_too_long',
      `the callback reference has ${reference.length} characters; WhatsApp allows ${MAX_REFERENCE_CHARS}`,
    );
  const envelope: GraphEnvelope = {
    messaging_product: 'whatsapp',
    recipient_type: 'individual',
    to: recipientOf(outbound.contact.phone),
    ...(reference === '' ? {} : { biz_opaque_callback_data: reference }),
  };
  const { message } = outbound;
  switch (message.type) {
    case 'text':
      return { ...envelope, type: 'text', text: { body: textBodyOf(message.content) } };
    case 'template':
      return { ...envelope, type: 'template', template: templateOf(message, options) };
    case 'media': {
      const link = mediaLinkOf(message.mediaUrl);
      const kind = mediaKindOf(link, options.mediaKind);
      const media = mediaObjectOf(link, kind, message.content);
      switch (kind) {
        case 'image':
          return { ...envelope, type: 'image', image: media };
        case 'video':
          return { ...envelope, type: 'video', video: media };
        case 'document':
          return { ...envelope, type: 'document', document: media };
      }
    }
  }
}

/** The kind a media URL is sent as: the hint when given, else by the extension of the URL's path. */
export function mediaKindOf(url: string, hint?: MediaKind): MediaKind {
  if (hint) return hint;
  const extension = /\.([a-z0-9]+)$/i.exec(pathOf(url))?.[1]?.toLowerCase();
  return (extension && KIND_BY_EXTENSION[extension]) || 'document';
}

/**
 * Body parameters from a template's rendered variables: positional ({{1}}, {{2}}, ...) when every key is an
 * integer, sent in numeric order and required to be 1..n without gaps (a gap would shift every later value
 * into the wrong placeholder); otherwise named, each with its `parameter_name`, in the variables' order.
 */
export function bodyParametersOf(variables: Record<string, string>): GraphTextParameter[] {
  const entries = Object.entries(variables);
  if (entries.length > 0 && entries.every(([key]) => /^\d+$/.test(key))) {
    const ordered = entries.map(([key, text]) => ({ position: Number(key), text }));
    ordered.sort((a, b) => a.position - b.position);
    ordered.forEach(({ position }, index) => {
      if (position !== index + 1)
        throw new GraphMessageError(
          'positional_gap',
          `positional template variables must be numbered 1 to ${ordered.length}; found ${ordered.map((p) => p.position).join(', ')}`,
        );
    });
    return ordered.map(({ text }) => ({ type: 'text', text }));
  }
  return entries.map(([name, text]) => ({ type: 'text', text, parameter_name: name }));
}

function recipientOf(phone: string | undefined): string {
  if (phone === undefined || phone.trim() === '')
    throw new GraphMessageError('no_phone', 'the contact has no phone number');
  const digits = phone.startsWith('+') ? phone.slice(1) : phone;
  // E.164: a country code that does not start with 0, at most 15 digits in all.
  if (!/^[1-9]\d{6,14}$/.test(digits))
    throw new GraphMessageError('invalid_phone', 'the contact phone is not an E.164 number');
  return digits;
}

function textBodyOf(content: string | undefined): string {
  if (content === undefined || content.trim() === '')
    throw new GraphMessageError('missing_content', 'a text message needs content');
  if (content.length > MAX_TEXT_BODY_CHARS)
    throw new GraphMessageError(
      'text_too_long',
      `the text has ${content.length} characters; WhatsApp allows ${MAX_TEXT_BODY_CHARS}`,
    );
  return content;
}

function templateOf(message: OutboundMessage['message'], options: GraphMessageOptions): GraphTemplate {
  const name = message.templateId?.trim();
  if (!name) throw new GraphMessageError('missing_template', 'a template message needs a template id');
  const components: GraphTemplateComponent[] = [];
  if (message.mediaUrl !== undefined) {
    const link = mediaLinkOf(message.mediaUrl);
    components.push({ type: 'header', parameters: [mediaParameterOf(link, mediaKindOf(link, options.mediaKind))] });
  }
  const parameters = bodyParametersOf(message.variables ?? {});
  if (parameters.length > 0) {
    const limit = components.length > 0 ? MAX_BODY_PARAMETER_CHARS_WITH_HEADER : MAX_BODY_PARAMETER_CHARS;
    const long = parameters.find((parameter) => parameter.text.length > limit);
    if (long)
      throw new GraphMessageError(
        'parameter_too_long',
        `template variable ${long.parameter_name ?? parameters.indexOf(long) + 1} has ${long.text.length} characters; WhatsApp allows ${limit}`,
      );
    components.push({ type: 'body', parameters });
  }
  return {
    name,
    language: { code: options.language ?? DEFAULT_TEMPLATE_LANGUAGE },
    ...(components.length > 0 ? { components } : {}),
  };
}

function mediaLinkOf(url: string | undefined): string {
  if (url === undefined || url.trim() === '')
    throw new GraphMessageError('missing_media_url', 'a media message needs a media URL');
  let parsed: URL;
  try {
    parsed = new URL(url);
  } catch {
    throw new GraphMessageError('invalid_media_url', 'the media URL is not a URL');
  }
  if (parsed.protocol !== 'https:' && parsed.protocol !== 'http:')
    throw new GraphMessageError('invalid_media_url', 'the media URL must be http(s)');
  return url;
}

function mediaObjectOf(link: string, kind: MediaKind, caption: string | undefined): GraphMediaObject {
  if (caption !== undefined && caption.length > MAX_CAPTION_CHARS)
    throw new GraphMessageError(
      'caption_too_long',
      `the caption has ${caption.length} characters; WhatsApp allows ${MAX_CAPTION_CHARS}`,
    );
  const filename = kind === 'document' ? filenameOf(link) : undefined;
  return {
    link,
    ...(caption !== undefined && caption.trim() !== '' ? { caption } : {}),
    ...(filename ? { filename } : {}),
  };
}

function mediaParameterOf(link: string, kind: MediaKind): GraphMediaParameter {
  switch (kind) {
    case 'image':
      return { type: 'image', image: { link } };
    case 'video':
      return { type: 'video', video: { link } };
    case 'document': {
      const filename = filenameOf(link);
      return { type: 'document', document: filename ? { link, filename } : { link } };
    }
  }
}

/** Without a filename a document arrives untitled; the URL's last path segment names it when it can. */
function filenameOf(url: string): string | undefined {
  const segment = pathOf(url).split('/').pop() ?? '';
  let name: string;
  try {
    name = decodeURIComponent(segment);
  } catch {
    name = segment;
  }
  name = name.replace(/[\p{Cc}/\\]+/gu, '').trim();
  if (!name.includes('.')) return undefined;
  return name.length <= MAX_FILENAME_CHARS ? name : name.slice(name.length - MAX_FILENAME_CHARS);
}

function pathOf(url: string): string {
  try {
    return new URL(url).pathname;
  } catch {
    return '';
  }
}
