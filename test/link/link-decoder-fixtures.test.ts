import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { LinkEvent } from '../../src/link/events.js';
import { bytewise, decodeChunks, decodeChunksViaRuns, resplit } from '../support/decode.js';
import { linkFixtureNames, loadLinkFixture } from '../support/link-fixture.js';

type Of<T extends LinkEvent['type']> = Extract<LinkEvent, { type: T }>;

function ofType<T extends LinkEvent['type']>(events: LinkEvent[], type: T): Of<T>[] {
  return events.filter((e): e is Of<T> => e.type === type);
}

/** Stream events in order: commands, pings, GETACKs. */
function streamEvents(events: LinkEvent[]): (Of<'command'> | Of<'ping'> | Of<'getack'>)[] {
  return events.filter((e): e is Of<'command'> | Of<'ping'> | Of<'getack'> => e.type === 'command' || e.type === 'ping' || e.type === 'getack');
}

describe.each(linkFixtureNames())('link fixture %s (captured from redis-server)', (name) => {
  const fixture = loadLinkFixture(name);
  const events = decodeChunks(fixture.chunks);

  it('decodes without errors', () => {
    expect(ofType(events, 'decode-error')).toEqual([]);
    expect(fixture.chunks.length).toBeGreaterThan(0);
  });

  it('gives offsets that are contiguous and end at the master_repl_offset the master reported', () => {
    const stream = streamEvents(events);
    expect(stream.length).toBeGreaterThan(0);
    const start = ofType(events, 'fullresync')[0]?.offset ?? ofType(events, 'continue')[0]?.offset;
    expect(start).toBeTypeOf('number');
    let offset = start!;
    for (const e of stream) {
      expect(e.offset).toBe(offset + e.size);
      offset = e.offset;
    }
    expect(offset).toBe(fixture.expected.masterReplOffset);
    expect(fixture.expected.replicaOffset).toBe(fixture.expected.masterReplOffset);
  });

  it("has every ACK on a command boundary outside MULTI, the last one at the master's offset", () => {
    const acks = ofType(events, 'ack');
    expect(acks.length).toBeGreaterThan(0);
    expect(acks.at(-1)!.offset).toBe(fixture.expected.masterReplOffset);
    const start = ofType(events, 'fullresync')[0]?.offset ?? ofType(events, 'continue')[0]?.offset;
    const boundaries = new Set<number>([start!]);
    for (const e of streamEvents(events)) if (e.type !== 'command' || !e.tx || e.name === 'exec') boundaries.add(e.offset);
    for (const ack of acks) expect(boundaries.has(ack.offset), `ACK ${ack.offset}`).toBe(true);
  });

  it('names the replid the master reported', () => {
    const replids = [...ofType(events, 'fullresync').map((e) => e.replid), ...ofType(events, 'continue').map((e) => e.replid)];
    expect(replids).toEqual([fixture.expected.masterReplid]);
  });

  it('gives the same events through command runs, as the tap records them, for random chunkings (property)', () => {
    const whole = decodeChunksViaRuns(fixture.chunks);
    expect(whole.runs).toBeGreaterThan(0);
    expect(whole.events).toEqual(events);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 200 }), (cuts) => {
        expect(decodeChunksViaRuns(resplit(fixture.chunks, cuts)).events).toEqual(events);
      }),
      { numRuns: 20 },
    );
  });

  it('gives identical events for random chunkings (property)', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 200 }), (cuts) => {
        expect(decodeChunks(resplit(fixture.chunks, cuts))).toEqual(events);
      }),
      { numRuns: 25 },
    );
  });

  it('gives identical events when fed one byte at a time', () => {
    expect(decodeChunks(bytewise(fixture.chunks))).toEqual(events);
  });
});

describe('what each captured session shows', () => {
  it('diskless: $EOF: framing, RDB version 10, GETACK and lowercase ping in the stream, SELECT before the first write', () => {
    const events = decodeChunks(loadLinkFixture('diskless-full-sync').chunks);
    expect(ofType(events, 'rdb-begin')).toMatchObject([{ framing: 'eof', length: null }]);
    expect(ofType(events, 'rdb-end')[0]!.rdbVersion).toBe(10);
    expect(ofType(events, 'getack').length).toBeGreaterThan(0);
    expect(ofType(events, 'ping').length).toBeGreaterThan(0);
    const first = ofType(events, 'command')[0]!;
    expect(first.name).toBe('select');
    expect(ofType(events, 'command').some((c) => c.tx && c.name === 'multi')).toBe(true);
  });

  it('disk-based: $<len> framing with the exact length, keep-alive newlines before it', () => {
    const events = decodeChunks(loadLinkFixture('disk-full-sync').chunks);
    const begin = ofType(events, 'rdb-begin')[0]!;
    const end = ofType(events, 'rdb-end')[0]!;
    expect(begin.framing).toBe('length');
    expect(end.bytes).toBe(begin.length);
    const types = events.map((e) => e.type);
    const keepalives = types.slice(types.indexOf('fullresync'), types.indexOf('rdb-begin')).filter((t) => t === 'keepalive');
    expect(keepalives.length).toBeGreaterThan(0);
  });

  it('partial resync: PSYNC <replid> <offset+1> answered by +CONTINUE <replid>, no RDB, db unknown until a SELECT', () => {
    const events = decodeChunks(loadLinkFixture('partial-resync').chunks);
    const psync = ofType(events, 'psync')[0]!;
    const cont = ofType(events, 'continue')[0]!;
    expect(cont.offset).toBe(psync.offset - 1);
    expect(cont.replid).toBe(psync.replid);
    expect(ofType(events, 'rdb-begin')).toEqual([]);
    const commands = ofType(events, 'command');
    const firstSelect = commands.findIndex((c) => c.name === 'select');
    for (const c of commands.slice(0, Math.max(0, firstSelect))) expect(c.db).toBeNull();
  });

  it('AUTH: the password is redacted unless secrets are recorded', () => {
    const chunks = loadLinkFixture('auth-handshake').chunks;
    const redacted = decodeChunks(chunks);
    expect(ofType(redacted, 'handshake').map((e) => (e.dir === 'r2m' ? e.command : e.reply))).toContain('AUTH (redacted)');
    expect(JSON.stringify(redacted)).not.toContain('s3cret-pass');
    const kept = decodeChunks(chunks, { recordSecrets: true });
    expect(ofType(kept, 'handshake').some((e) => e.dir === 'r2m' && e.command === 'AUTH s3cret-pass')).toBe(true);
  });
});
