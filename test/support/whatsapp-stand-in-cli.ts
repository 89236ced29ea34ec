import { parseArgs } from 'node:util';
import { type AcceptedGraphMessage, WhatsAppGraphStandIn } from './whatsapp-graph-stand-in.js';

/**
 * Runs the Graph API stand-in on its own, to try the WhatsApp channel by hand with `npm start`:
 *
 *   npx tsx test/support/whatsapp-stand-in-cli.ts --port 4010 --token EAAG-local-token \
 *     [--receipts-to http://127.0.0.1:3000/api/v1/webhooks/whatsapp/<channel_id> --app-secret <the channel's>]
 *   WHATSAPP_API_BASE_URL=http://127.0.0.1:4010 npm start
 *
 * It prints each request it answers. With --receipts-to, every accepted message gets signed status webhooks (sent,
 * delivered, read) a moment later. Any template name and language is accepted. Ctrl-C stops it.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4010' },
    token: { type: 'string', default: 'EAAG-local-token' },
    'phone-number-id': { type: 'string', default: '100000000000001' },
    'receipts-to': { type: 'string' },
    'app-secret': { type: 'string' },
  },
});
if (values['receipts-to'] && !values['app-secret']) throw new Error('--receipts-to needs --app-secret');

const standIn = await WhatsAppGraphStandIn.start({
  accessToken: values.token,
  phoneNumberId: values['phone-number-id'],
  port: Number(values.port),
});
process.stdout.write(
  `Graph API stand-in on ${standIn.baseUrl} (phone_number_id ${standIn.phoneNumberId}, access_token ${values.token})\n` +
    `Run the service with WHATSAPP_API_BASE_URL=${standIn.baseUrl}\n`,
);

let printed = 0;
let receipted = 0;
const timer = setInterval(() => {
  for (const request of standIn.requests.slice(printed)) {
    const body = request.body as { to?: string; type?: string } | undefined;
    const problems = request.problems.length > 0 ? ` ${request.problems.join('; ')}` : '';
    process.stdout.write(
      `${request.method} ${request.path} -> ${request.status} ${request.outcome} to=${body?.to ?? '?'} type=${body?.type ?? '?'}${problems}\n`,
    );
  }
  printed = standIn.requests.length;
  const callbackUrl = values['receipts-to'];
  const appSecret = values['app-secret'];
  if (callbackUrl && appSecret && standIn.accepted.length > receipted) {
    const messages: AcceptedGraphMessage[] = standIn.accepted.slice(receipted);
    receipted = standIn.accepted.length;
    void standIn.postReceipts({ callbackUrl, appSecret, messages }).then((posts) => {
      const refused = posts.filter((post) => post.responseStatus !== 200).length;
      process.stdout.write(`posted ${posts.length} status webhooks (${refused} not answered 200)\n`);
    });
  }
}, 500);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    clearInterval(timer);
    void standIn.stop().then(() => process.exit(0));
  });
}
