import { parseArgs } from 'node:util';
import { SMS_ERRORS, SmsStandIn } from './sms-stand-in.js';

/**
 * Runs the AWS End User Messaging SMS stand-in on its own, to try the sms channel by hand with `npm start`:
 *
 *   npx tsx test/support/sms-stand-in-cli.ts --port 4566 [--opted-out +14155550199,+14155550198] \
 *     [--origination +12065550100] [--spend-limit-after 10]
 *   AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2=http://127.0.0.1:4566 AWS_ACCESS_KEY_ID=local \
 *     AWS_SECRET_ACCESS_KEY=local npm start
 *
 * It prints each request it answers, with the text's parts. Numbers in --opted-out answer as numbers that texted
 * STOP; with --spend-limit-after N, every send after the Nth accepted one answers the monthly spend limit. Ctrl-C
 * stops it.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4566' },
    origination: { type: 'string', default: '+12065550100' },
    'configuration-set': { type: 'string', default: 'broadcast-sms' },
    'opted-out': { type: 'string', default: '' },
    'spend-limit-after': { type: 'string' },
  },
});
const list = (text: string) =>
  text
    .split(',')
    .map((item) => item.trim())
    .filter((item) => item !== '');
const limit = values['spend-limit-after'] === undefined ? undefined : Number(values['spend-limit-after']);

const standIn = await SmsStandIn.start({
  port: Number(values.port),
  originationIdentities: list(values.origination),
  configurationSets: list(values['configuration-set']),
  optedOut: list(values['opted-out']),
});
if (limit !== undefined) {
  standIn.faults = [{ match: () => standIn.accepted.length >= limit, answer: SMS_ERRORS.monthlySpendLimit }];
}
process.stdout.write(
  `SMS stand-in on ${standIn.endpoint} (origination identities ${values.origination})\n` +
    `Run the service with AWS_ENDPOINT_URL_PINPOINT_SMS_VOICE_V2=${standIn.endpoint} and dummy AWS credentials\n`,
);

let printed = 0;
const timer = setInterval(() => {
  for (const request of standIn.requests.slice(printed)) {
    const body = request.body as { DestinationPhoneNumber?: string } | undefined;
    const accepted = standIn.accepted.find((message) => message.seq === request.seq);
    const parts = accepted ? ` ${accepted.parts} part(s) ${accepted.encoding}` : '';
    const problems = request.problems.length > 0 ? ` ${request.problems.join('; ')}` : '';
    process.stdout.write(
      `SendTextMessage -> ${request.status} ${request.outcome} to=${body?.DestinationPhoneNumber ?? '?'}${parts}${problems}\n`,
    );
  }
  printed = standIn.requests.length;
}, 500);

for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.once(signal, () => {
    clearInterval(timer);
    void standIn.stop().then(() => process.exit(0));
  });
}
