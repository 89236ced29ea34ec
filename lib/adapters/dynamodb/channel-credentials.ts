import { type Channel, SECRET_CONFIG_KEYS, WithheldCredential } from '../../domain/channel.js';
import { type SecretBox, type SecretContext, SecretUnsealError } from '../../ports/secret-box.js';

/**
 * How a channel's credentials (SECRET_CONFIG_KEYS of its type) are kept in its item: apart from the rest of its
 * configuration, each sealed on its own under a context naming the tenant, the channel and the credential.
 *
 *   config:      { url: "https://..." }                      what may be read by anyone who reads the table
 *   credentials: { secret: "v1.aws-kms.AQICAH..." }          sealed: never in clear in the table, its stream, backups
 *
 * An item written before credentials were sealed has them in clear in `config`: they are read as they are (a channel
 * keeps working) and sealed by its next write, whatever that write changes. See docs/secrets.md.
 */
export interface StoredChannelConfig {
  config: Record<string, unknown>;
  credentials?: Record<string, string>;
}

/** The context a credential is sealed under: it opens in that channel of that tenant, as that credential, only. */
export function credentialContext(channel: Pick<Channel, 'tenantId' | 'id'>, key: string): SecretContext {
  return { tenant_id: channel.tenantId, channel_id: channel.id, credential: key };
}

/**
 * A credential read from the table, not opened: it carries its sealed value where nothing outside this module can
 * read it (a private field), to be written back as it is or opened by the repository.
 */
class StoredCredential extends WithheldCredential {
  readonly #sealed: string;
  readonly #context: SecretContext;

  constructor(sealed: string, context: SecretContext) {
    super();
    this.#sealed = sealed;
    this.#context = context;
  }

  /** The sealed value, when `value` is a credential read under exactly this context; else undefined. */
  static sealedFor(value: WithheldCredential, context: SecretContext): string | undefined {
    if (!(value instanceof StoredCredential)) return undefined;
    const bound = value.#context;
    const same =
      Object.keys(bound).length === Object.keys(context).length &&
      Object.entries(context).every(([key, text]) => bound[key] === text);
    return same ? value.#sealed : undefined;
  }
}

/**
 * The channel's configuration as stored: credentials given in clear are sealed (one call to the box each), withheld
 * ones are written back as they were read. A withheld credential of another channel, or anything but a text, is a bug
 * and is refused rather than stored.
 */
export async function sealCredentials(box: SecretBox, channel: Channel): Promise<StoredChannelConfig> {
  const config = { ...channel.config };
  const credentials: Record<string, string> = {};
  for (const key of SECRET_CONFIG_KEYS[channel.type]) {
    const value = config[key];
    delete config[key];
    if (value === undefined) continue;
    const context = credentialContext(channel, key);
    if (value instanceof WithheldCredential) {
      const sealed = StoredCredential.sealedFor(value, context);
      if (sealed === undefined) {
        throw new Error(`channel ${channel.id}: its ${key} was read from another channel or credential`);
      }
      credentials[key] = sealed;
    } else if (typeof value === 'string') {
      credentials[key] = await box.seal(value, context);
    } else {
      throw new Error(`channel ${channel.id}: its ${key} is not a text`);
    }
  }
  return Object.keys(credentials).length > 0 ? { config, credentials } : { config };
}

/** The configuration of a stored channel, its sealed credentials withheld (no call to the box). */
export function withheldConfig(
  channel: Pick<Channel, 'tenantId' | 'id'>,
  stored: { config?: unknown; credentials?: unknown },
): Record<string, unknown> {
  const config: Record<string, unknown> = { ...(stored.config as Record<string, unknown> | undefined) };
  const credentials = (stored.credentials ?? {}) as Record<string, unknown>;
  for (const [key, sealed] of Object.entries(credentials)) {
    if (typeof sealed === 'string') config[key] = new StoredCredential(sealed, credentialContext(channel, key));
  }
  return config;
}

/** The channel with every withheld credential opened (in parallel); one that does not open fails the whole read. */
export async function openCredentials(box: SecretBox, channel: Channel): Promise<Channel> {
  const entries = Object.entries(channel.config);
  if (!entries.some(([, value]) => value instanceof WithheldCredential)) return channel;
  const opened = await Promise.all(
    entries.map(async ([key, value]): Promise<[string, unknown]> => {
      if (!(value instanceof WithheldCredential)) return [key, value];
      const context = credentialContext(channel, key);
      const sealed = StoredCredential.sealedFor(value, context);
      if (sealed === undefined) {
        throw new SecretUnsealError(`channel ${channel.id}: its ${key} was read from another channel or credential`);
      }
      try {
        return [key, await box.open(sealed, context)];
      } catch (error) {
        if (!(error instanceof SecretUnsealError)) throw error;
        throw new SecretUnsealError(`channel ${channel.id}: its ${key} does not open: ${error.message}`, {
          cause: error,
        });
      }
    }),
  );
  return { ...channel, config: Object.fromEntries(opened) };
}
