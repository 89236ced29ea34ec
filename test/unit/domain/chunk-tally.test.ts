import type { ExecutionStatus } from '../../../lib/domain/broadcast-execution.js';
import { isChunkFinished, tallyOf } from '../../../lib/domain/chunk-tally.js';
import { anExecution } from '../../support/builders.js';

const executions = (...statuses: ExecutionStatus[]) =>
  statuses.map((status) => anExecution('tenant-a', 'broadcast-1', undefined, { status }));

describe('tallyOf', () => {
  it('counts each outcome of the chunk', () => {
    // Prepare
    const chunk = executions('sent', 'sent', 'failed', 'skipped', 'pending');

    // Act
    const tally = tallyOf(7, chunk);

    // Assess
    expect(tally).toEqual({ chunk: 7, contacts: 5, sent: 2, failed: 1, skipped: 1 });
  });
});

describe('isChunkFinished', () => {
  it('holds once every execution is sent, failed or skipped', () => {
    // Prepare
    const done = tallyOf(0, executions('sent', 'failed', 'skipped'));
    const pending = tallyOf(0, executions('sent', 'pending'));
    const sending = tallyOf(0, executions('sent', 'sending'));

    // Act
    const finished = [done, pending, sending].map(isChunkFinished);

    // Assess
    expect(finished).toEqual([true, false, false]);
  });
});
