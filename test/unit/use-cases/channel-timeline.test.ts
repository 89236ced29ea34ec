import type { ChannelPace, Reservation } from '../../../lib/domain/channel-pace.js';
import type { ChannelPaceStore, PaceReservationRequest } from '../../../lib/ports/channel-pace-store.js';
import { ChannelTimeline } from '../../../lib/use-cases/channel-timeline.js';

const NOW = 1_000_000;

/** A pace store that grants at most `room` units, spaced 100 ms apart from `NOW`, and keeps what it was asked. */
function aPaceStore(room: number): ChannelPaceStore & { asked: PaceReservationRequest[] } {
  const asked: PaceReservationRequest[] = [];
  const unused = async (): Promise<never> => {
    throw new Error('not used by ChannelTimeline.reserve');
  };
  return {
    asked,
    read: async (): Promise<ChannelPace> => ({ tatMs: 0 }),
    reserve: async (_channel, request): Promise<Reservation> => {
      asked.push(request);
      const count = Math.min(room, request.count);
      return { startMs: NOW, count, spacingMs: 100, tatMs: NOW + count * 100 };
    },
    recordThrottle: unused,
    claimShare: unused,
    readClaims: unused,
    releaseShare: unused,
  };
}

function timelineOn(store: ChannelPaceStore): ChannelTimeline {
  return new ChannelTimeline(
    { channelPace: store, clock: { now: () => new Date(NOW) } },
    { tenantId: 't', id: 'c' },
    10,
    undefined,
  );
}

describe('ChannelTimeline.reserveWeighted', () => {
  it('reserves a group by its units and starts each message at the first instant of its own units', async () => {
    // Prepare
    const store = aPaceStore(100);

    // Act: an SMS of 1 part, one of 3 parts, one of 2 parts.
    const instants = await timelineOn(store).reserveWeighted([1, 3, 2]);

    // Assess
    expect(store.asked.map((request) => request.count)).toEqual([6]);
    expect(instants).toEqual([NOW, NOW + 100, NOW + 400]);
  });

  it('keeps the longest prefix whose units all fit: a message is never sent on part of its units', async () => {
    // Prepare: room for 4 units only.
    const store = aPaceStore(4);

    // Act
    const instants = await timelineOn(store).reserveWeighted([1, 3, 2]);

    // Assess: the third message (2 units) does not fit in what is left (0 units).
    expect(instants).toEqual([NOW, NOW + 100]);
  });

  it('reserves one unit per message where every message weighs 1', async () => {
    // Prepare
    const store = aPaceStore(100);

    // Act
    const instants = await timelineOn(store).reserveWeighted([1, 1, 1]);

    // Assess
    expect(store.asked.map((request) => request.count)).toEqual([3]);
    expect(instants).toEqual([NOW, NOW + 100, NOW + 200]);
  });
});
