import { parseArgs } from 'node:util';
import { SES_ERRORS, type SesFault, SesV2StandIn } from './ses-v2-stand-in.js';

/**
 * Runs the SES v2 stand-in on its own, to try the email_ses channel by hand with `npm start`:
 *
 *   npx tsx test/support/ses-stand-in-cli.ts --port 4020 --verified acme.example [--reject bob@example.com]
 *     [--suspended] [--throttle-every 3] [--max-send-rate 14]
 *   AWS_ENDPOINT_URL_SESV2=http://127.0.0.1:4020 AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local npm start
 *
 * It prints each request it answers, and for each e-mail accepted its subject and unsubscribe headers. --reject
 * answers MessageRejected for that recipient, --suspended AccountSuspendedException for every send,
 * --throttle-every N "Maximum sending rate exceeded" for every Nth send. Ctrl-C stops it.
 */
const { values } = parseArgs({
  options: {
    port: { type: 'string', default: '4020' },
    verified: { type: 'string', multiple: true, default: ['acme.example'] },
    'configuration-set': { type: 'string', multiple: true, default: ['broadcast-events'] },
    reject: { type: 'string', multiple: true, default: [] },
    suspended: { type: 'boolean', default: false },
    'throttle-every': { type: 'string' },
    'max-send-rate': { type: 'string', default: '14' },
  },
});

const faults: SesFault[] = [
  ...(values.suspended ? [{ match: () => true, answer: SES_ERRORS.accountSuspended }] : []),
  ...values.reject.map((to) => ({ match: { to }, answer: SES_ERRORS.messageRejected })),
  ...(values['throttle-every']
    ? [{ match: { everyNth: Number(values['throttle-every']) }, answer: SES_ERRORS.maxSendRate }]
    : []),
];
const standIn = await SesV2StandIn.start({
  port: Number(values.port),
  verifiedIdentities: values.verified,
  configurationSets: values['configuration-set'],
  maxSendRate: Number(values['max-send-rate']),
  faults,
});
process.stdout.write(
  `SES v2 stand-in on ${standIn.endpoint} (verified: ${values.verified.join(', ')})\n` +
    `Run the service with AWS_ENDPOINT_URL_SESV2=${standIn.endpoint} AWS_ACCESS_KEY_ID=local AWS_SECRET_ACCESS_KEY=local\n`,
);

let printed = 0;
const timer = setInterval(() => {
  for (const request of standIn.requests.slice(printed)) {
    const email = standIn.accepted.find((accepted) => accepted.seq === request.seq);
    const problems = request.problems.length > 0 ? ` ${request.problems.join('; ')}` : '';
    const detail = email
      ? ` to=${email.to.join(',')} subject=${JSON.stringify(email.subject)} list-unsubscribe=${email.headers['List-Unsubscribe'] ?? '-'}`
      : '';
    process.stdout.write(
      `${request.method} ${request.path} -> ${request.status} ${request.outcome}${detail}${problems}\n`,
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
