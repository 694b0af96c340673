import { describe, expect, it } from 'vitest';
import { renderTimeline } from '../../src/cli/render-timeline.js';
import type { LinkEvent } from '../../src/link/events.js';
import { summaries } from '../support/summaries.js';

const A = 'a'.repeat(40);
const T0 = Date.UTC(2026, 10, 22, 10, 0, 0);

/** One link: opened at `at` seconds, a PSYNC and the master's answer, closed one second later. */
function link(id: number, at: number, request: [string, number] | null, answer: LinkEvent | null, handshake: [string, string][] = []): LinkEvent[] {
  const t = T0 + at * 1000;
  const events: LinkEvent[] = [{ type: 'link-open', t, link: id, replica: `127.0.0.1:${50000 + id}`, master: '127.0.0.1:6379' }];
  for (const [command, reply] of handshake) {
    events.push({ type: 'handshake', t, link: id, pos: 0, dir: 'r2m', command }, { type: 'handshake', t, link: id, pos: 0, dir: 'm2r', reply });
  }
  if (request) {
    events.push({ type: 'handshake', t, link: id, pos: 40, dir: 'r2m', command: `PSYNC ${request[0]} ${request[1]}` }, { type: 'psync', t, link: id, pos: 40, replid: request[0], offset: request[1] });
  }
  if (answer) events.push({ ...answer, t: t + 10, link: id });
  events.push({ type: 'link-close', t: t + 1000, link: id, reason: 'replica closed the connection', phase: request ? 'stream' : 'handshake', bytes: { m2r: 0, r2m: 0 } });
  return events;
}

function timeline(events: LinkEvent[]): string {
  return renderTimeline(summaries(events));
}

describe('the overview after the timelines', () => {
  it('adds up a trace of several links: syncs by outcome and reason, links that never synced, why links closed', () => {
    const text = timeline([
      ...link(1, 0, ['?', -1], { type: 'fullresync', t: 0, link: 0, pos: 60, replid: A, offset: 0 }),
      ...link(2, 10, [A, 101], { type: 'continue', t: 0, link: 0, pos: 60, replid: A, offset: 100 }),
      ...link(3, 20, [A, 201], { type: 'fullresync', t: 0, link: 0, pos: 60, replid: A, offset: 90_000 }),
      ...link(4, 30, [A, 90_001], { type: 'fullresync', t: 0, link: 0, pos: 60, replid: A, offset: 400_000 }),
      ...link(5, 40, null, null, [['AUTH (redacted)', '-WRONGPASS invalid username-password pair or user is disabled.']]),
    ]);
    expect(text.slice(text.indexOf('\n  overview'))).toBe(
      [
        '',
        '  overview     5 links, 10:00:00.000 → 10:00:41.000',
        '               syncs: 3 full (backlog overflow 2, no history to resume 1); 1 partial (offset in the backlog 1)',
        '               1 link ended before any sync (wrong password 1)',
        '               closed: replica closed the connection 5',
        '',
      ].join('\n'),
    );
  });

  it('points at a sync loop: links cut during their RDB transfer', () => {
    const events = [1, 2, 3].flatMap((id) =>
      link(id, id * 5, [A, 1], { type: 'fullresync', t: 0, link: 0, pos: 60, replid: 'b'.repeat(40), offset: id * 1000 }).map((e): LinkEvent =>
        e.type === 'link-close' ? { ...e, reason: 'master closed the connection', phase: 'rdb' } : e,
      ),
    );
    expect(timeline(events)).toContain(
      '\n               3 links ended during the RDB transfer (master closed the connection 3): each leaves the replica to start a full sync again, a sync loop when it repeats; ' +
        "the servers' logs say why (often client-output-buffer-limit replica, or repl-timeout)\n",
    );
  });

  it('is left out for a single link', () => {
    expect(timeline(link(1, 0, ['?', -1], { type: 'fullresync', t: 0, link: 0, pos: 60, replid: A, offset: 0 }))).not.toContain('overview');
  });
});

describe('counts in a timeline', () => {
  it('are singular for one and plural otherwise', () => {
    const t = T0 + 20;
    const one = [
      ...link(1, 0, ['?', -1], { type: 'fullresync', t: 0, link: 0, pos: 60, replid: A, offset: 0 }).slice(0, -1),
      { type: 'command', t, link: 1, offset: 7, size: 7, name: 'multi', argc: 1, db: 0, tx: true },
      { type: 'command', t, link: 1, offset: 14, size: 7, name: 'exec', argc: 1, db: 0, tx: true },
      { type: 'ping', t, link: 1, offset: 21, size: 7 },
      { type: 'getack', t, link: 1, offset: 28, size: 7 },
    ] satisfies LinkEvent[];
    expect(timeline(one)).toContain(' → 28: 2 commands (multi 1, exec 1)\n               1 MULTI/EXEC block, 1 ping, 1 GETACK\n');
    const none = link(1, 0, ['?', -1], { type: 'fullresync', t: 0, link: 0, pos: 60, replid: A, offset: 0 }).slice(0, -1);
    none.push({ type: 'command', t, link: 1, offset: 7, size: 7, name: 'set', argc: 1, db: 0 });
    expect(timeline(none)).toContain(': 1 command (set 1)\n               0 MULTI/EXEC blocks, 0 pings, 0 GETACKs\n');
  });
});

describe('a link whose RDB the tap had read whole but not yet handed on', () => {
  /** A full sync whose RDB of 4,900 bytes ends at master-side byte 5,000; the link closes in the stream with `forwarded` bytes handed on. */
  function heldRdb(id: number, forwarded: number): LinkEvent[] {
    const events = link(id, id, ['?', -1], { type: 'fullresync', t: 0, link: 0, pos: 60, replid: A, offset: 0 });
    const close = events.pop()!;
    const t = close.t - 500;
    events.push(
      { type: 'rdb-begin', t, link: id, pos: 100, framing: 'length', length: 4900 },
      { type: 'rdb-end', t, link: id, pos: 5000, bytes: 4900, rdbVersion: 10, keys: 0, dbs: {}, types: {}, checksum: 'unchecked' },
      { ...close, reason: 'master closed the connection', phase: 'stream', bytes: { m2r: 6000, r2m: 100 }, forwarded: { m2r: forwarded, r2m: 100 } } as LinkEvent,
    );
    return events;
  }

  it('counts as ended during the RDB transfer, and its timeline says what the replica was sent', () => {
    const text = timeline([...heldRdb(1, 3100), ...heldRdb(2, 6000)]);
    expect(text).toContain('\n               1 link ended during the RDB transfer (master closed the connection 1)');
    const [first, second] = text.split('\nlink 2:');
    expect(first).toContain('\n               never forwarded: 2.8 KiB master → replica, 0 B replica → master (arrived once the other side had closed)\n');
    expect(first).toContain('\n               the replica had been sent 2.9 KiB of the RDB of the 4.8 KiB the tap had read: it must sync in full again\n');
    expect(second).not.toContain('never forwarded');
    expect(second).not.toContain('the replica had been sent');
  });
});
