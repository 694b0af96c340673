import { describe, expect, it } from 'vitest';
import { renderLink } from '../../src/cli/render-timeline.js';
import type { LinkEvent } from '../../src/link/events.js';
import type { LinkSummary } from '../../src/trace/link-summary.js';
import { summaries } from '../support/summaries.js';

const A = 'a'.repeat(40);

function summarize(events: LinkEvent[]): LinkSummary {
  return summaries(events)[0]!;
}

/** A link in the stream from offset 0: SETs ending at the given offsets and times, then ACKs. */
function link(sets: [offset: number, t: number][], acks: [offset: number, t: number][], closedAt: number): LinkEvent[] {
  const stream: LinkEvent[] = sets.map(([offset, t]) => ({ type: 'command', t, link: 1, offset, size: 10, name: 'set', argc: 3, db: 0 }));
  const confirmations: LinkEvent[] = acks.map(([offset, t]) => ({ type: 'ack', t, link: 1, pos: 100, offset, lag: null }));
  return [
    { type: 'link-open', t: 1_000, link: 1, replica: 'r', master: 'm' },
    { type: 'continue', t: 1_010, link: 1, pos: 20, replid: A, offset: 0 },
    ...[...stream, ...confirmations].sort((a, b) => a.t - b.t),
    { type: 'link-close', t: closedAt, link: 1, reason: 'replica closed the connection', phase: 'stream', bytes: { m2r: 0, r2m: 0 } },
  ];
}

describe('ACK statistics of a link (inspect)', () => {
  it('counts the bytes after the last ACK and dates the first frame of them', () => {
    const summary = summarize(
      link(
        [
          [10, 1_100],
          [20, 1_200],
          [30, 1_300],
          [40, 1_400],
        ],
        [[20, 1_250]],
        1_500,
      ),
    );
    expect(summary.acks.unconfirmedAtEnd).toEqual({ bytes: 20, since: 1_300 });
    expect(renderLink(summary)).toContain('\n               at the end 20 B not yet acknowledged, sent from +300 ms on\n');
  });

  it('says nothing when the last ACK covered the stream, or when no ACK came', () => {
    const caughtUp = summarize(link([[10, 1_100], [20, 1_200]], [[20, 1_250]], 1_500));
    expect(caughtUp.acks.unconfirmedAtEnd).toBeNull();
    expect(renderLink(caughtUp)).not.toContain('not yet acknowledged');
    expect(summarize(link([[10, 1_100]], [], 1_500)).acks.unconfirmedAtEnd).toBeNull();
  });

  it('dates each ACK by when the master sent the last byte it confirms, once: a repeated ACK is not a delay', () => {
    const summary = summarize(
      link(
        [
          [10, 1_100],
          [20, 1_200],
          [30, 1_300],
        ],
        [
          [20, 1_250],
          [20, 2_250], // an idle second: the same offset again
          [30, 3_250],
          [30, 4_250],
        ],
        4_500,
      ),
    );
    expect(summary.acks.samples.ms).toEqual([50, 1_950]);
    expect(summary.acks.lagMs).toEqual({ max: 1_950, p50: 1_950, p99: 1_950 });
  });

  it('keeps dating ACKs after a long stretch no ACK confirmed, to within its grain', () => {
    // 200,000 frames a millisecond apart and no ACK, then one for the frame sent at t = 150,000.
    const events: LinkEvent[] = [];
    for (let k = 1; k <= 200_000; k++) events.push({ type: 'command', t: k, link: 1, offset: k * 10, size: 10, name: 'set', argc: 3, db: 0 });
    events.push({ type: 'ack', t: 200_001, link: 1, pos: 100, offset: 1_500_000, lag: null });
    const summary = summarize(events);
    const [delay] = summary.acks.samples.ms;
    expect(delay).toBeGreaterThanOrEqual(200_001 - 150_000);
    expect(delay).toBeLessThan(200_001 - 150_000 + 512);
    expect(summary.acks.unconfirmedAtEnd!.bytes).toBe(500_000);
  });
});
