import { describe, expect, it } from 'vitest';
import type { LinkEvent } from '../../src/link/events.js';
import { summaries } from '../support/summaries.js';

const A = 'a'.repeat(40);
const B = 'b'.repeat(40);

function causes(events: LinkEvent[]): (string | null)[] {
  return summaries(events).flatMap((s) => s.syncs.map((sync) => sync.cause));
}

const open = (link: number): LinkEvent => ({ type: 'link-open', t: 0, link, replica: 'r', master: 'm' });
const psync = (link: number, replid: string, offset: number): LinkEvent[] => [
  { type: 'handshake', t: 1, link, pos: 40, dir: 'r2m', command: `PSYNC ${replid} ${offset}` },
  { type: 'psync', t: 1, link, pos: 40, replid, offset },
];
const close = (link: number, reason: string): LinkEvent => ({ type: 'link-close', t: 9, link, reason, phase: 'stream', bytes: { m2r: 0, r2m: 0 } });

describe('why a sync went full or partial (inspect)', () => {
  it('names the backlog gap, the previous link and a cutting fault', () => {
    expect(
      causes([
        open(1),
        ...psync(1, '?', -1),
        { type: 'fullresync', t: 2, link: 1, pos: 60, replid: A, offset: 0 },
        { type: 'fault', t: 5, link: 1, id: 'f1', action: 'disconnect', dir: 'm2r', pos: 100, offset: 57, phase: 'stream', detail: 'disconnected the link (idle, at stream)' },
        close(1, 'fault f1: disconnect'),
        open(2),
        ...psync(2, A, 58),
        { type: 'fullresync', t: 12, link: 2, pos: 60, replid: A, offset: 1_000_000 },
      ]),
    ).toEqual([
      'the replica had no replication history to resume (first sync, or it gave its history up)',
      "offset 58 was no longer in the master's backlog: the master was 999943 bytes ahead (more than repl-backlog-size kept); after link 1 ended in phase stream: cut by fault f1 (disconnected the link (idle, at stream))",
    ]);
  });

  it('names another history, a partial resync, and a rewritten PSYNC', () => {
    expect(causes([open(1), ...psync(1, B, 101), { type: 'fullresync', t: 2, link: 1, pos: 60, replid: A, offset: 0 }])).toEqual([
      `the replica asked for history bbbbbbbb…, not the master's aaaaaaaa… (a first sync from this master, its restart, or a failover)`,
    ]);
    expect(causes([open(1), ...psync(1, A, 101), { type: 'continue', t: 2, link: 1, pos: 60, replid: A, offset: 100 }])).toEqual(["the master still held offset 100 in its backlog"]);
    expect(
      causes([
        open(1),
        ...psync(1, A, 101),
        { type: 'fault', t: 1, link: 1, id: 'f9', action: 'rewrite-psync', dir: 'r2m', pos: 10, offset: null, phase: 'handshake', detail: "rewrote the replica's PSYNC to PSYNC ? -1" },
        { type: 'fullresync', t: 2, link: 1, pos: 60, replid: A, offset: 500 },
      ]),
    ).toEqual(["fault f9 rewrote the replica's PSYNC to PSYNC ? -1"]);
  });

  it('says what a refusal means and what to do, for a refused sync and for a handshake that never got to one', () => {
    const summarize = (events: LinkEvent[]) => summaries(events)[0]!;
    const exchange = (t: number, command: string, reply: string): LinkEvent[] => [
      { type: 'handshake', t, link: 1, pos: t * 10, dir: 'r2m', command },
      { type: 'handshake', t, link: 1, pos: t * 10, dir: 'm2r', reply },
    ];
    const refusedSync = (reply: string, before: LinkEvent[] = []) =>
      summarize([open(1), ...before, ...psync(1, A, 101), { type: 'handshake', t: 2, link: 1, pos: 70, dir: 'm2r', reply }]).syncs.map((sync) => sync.cause);

    expect(refusedSync('-NOAUTH Authentication required.')).toEqual(['the master requires a password and the replica sent none: set masterauth (and masteruser, for an ACL user) on the replica']);
    expect(refusedSync('-NOAUTH Authentication required.', exchange(1, 'AUTH (redacted)', '-WRONGPASS invalid username-password pair or user is disabled.'))).toEqual([
      "the master refused the replica's password earlier in the handshake: check masterauth (and masteruser, for an ACL user) on the replica",
    ]);
    expect(refusedSync("-NOPERM this user has no permissions to run the 'psync' command")).toEqual(["the replica's user (masteruser) lacks a permission it needs: grant it +psync +sync +replconf +ping on the master"]);
    expect(refusedSync('-LOADING Redis is loading the dataset in memory')).toEqual(['the master is still loading its dataset into memory; the replica tries again']);
    expect(refusedSync("-NOMASTERLINK Can't SYNC while not connected with my master")).toEqual(['the master is itself a replica with no link to its own master (chained replication); the replica tries again']);
    expect(refusedSync('-ERR something new')).toEqual([null]);

    const noSync = summarize([
      open(1),
      ...exchange(1, 'PING', '-NOAUTH Authentication required.'),
      ...exchange(2, 'AUTH (redacted)', '-WRONGPASS invalid username-password pair or user is disabled.'),
      ...exchange(3, 'REPLCONF listening-port 6380', '-NOAUTH Authentication required.'),
      close(1, 'replica closed the connection'),
    ]);
    expect(noSync.syncs).toEqual([]);
    expect(noSync.handshakeCause).toEqual({ kind: 'wrong password', text: "the master refused the replica's password: check masterauth (and masteruser, for an ACL user) on the replica" });
    expect(summarize([open(1), ...exchange(1, 'PING', '+PONG'), close(1, 'replica closed the connection')]).handshakeCause).toBeNull();
  });
});
