import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { expandCommandBatch } from '../../src/link/command-batch.js';
import { CommandRunExpander } from '../../src/link/command-run.js';
import type { RdbDepth } from '../../src/link/decoder-options.js';
import type { Direction, LinkEvent, RecordedEvent } from '../../src/link/events.js';
import { LinkDecoder } from '../../src/link/link-decoder.js';
import { expandRdbKeys } from '../../src/link/rdb-key-batch.js';
import type { RdbKey } from '../../src/rdb/events.js';
import { RdbDecoder } from '../../src/rdb/rdb-decoder.js';
import { encodeCommand } from '../../src/resp/encode.js';
import { bytewise, m2r, r2m, resplit, type Chunk } from '../support/decode.js';
import { linkFixtureNames, loadLinkFixture } from '../support/link-fixture.js';
import { rdbFixtures } from '../support/rdb-fixture.js';

const REPLID = 'b3bb99b5899e4202b09258ebe17e7cb109f25a1a';
const SCRIBBLE = 0xee;

/** A deep copy with every byte array copied: what is left once the memory the events point into is gone. */
function detach(value: unknown): unknown {
  if (value instanceof Uint8Array) return Buffer.from(value);
  if (Array.isArray(value)) return value.map(detach);
  if (value !== null && typeof value === 'object') return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, detach(v)]));
  return value;
}

type Release = (decoder: LinkDecoder, dir: Direction) => boolean;

/**
 * Decodes as the tap reads the master: each chunk lies in memory of its own, its events are used
 * (expanded and copied) as soon as they are made, and the memory of every chunk fed so far is
 * overwritten whenever `release` says the decoder let go of it. Returns the events, and how many
 * times memory was overwritten.
 */
function decodeInReusedMemory(chunks: Chunk[], rdb: RdbDepth, runs: boolean, release: Release = (d, dir) => d.releaseInput(dir), args = true): { events: unknown[]; overwrites: number } {
  const decoder = new LinkDecoder({ link: 1, args, rdb, recordSecrets: false });
  const expander = new CommandRunExpander({}, true);
  const held: Record<Direction, Buffer[]> = { m2r: [], r2m: [] };
  const events: unknown[] = [];
  let overwrites = 0;
  for (const { dir, data } of chunks) {
    const memory = Buffer.from(data);
    const out: RecordedEvent[] = runs ? decoder.feedRuns(dir, memory, 0) : decoder.feed(dir, memory, 0);
    for (const e of out) {
      const expanded: LinkEvent[] = e.type === 'command-run' ? expander.expand(e) : e.type === 'command-batch' ? expandCommandBatch(e) : e.type === 'rdb-keys' ? expandRdbKeys(e) : [e];
      for (const x of expanded) events.push(detach(x));
    }
    held[dir].push(memory);
    if (release(decoder, dir)) {
      for (const m of held[dir]) m.fill(SCRIBBLE);
      held[dir] = [];
      overwrites++;
    }
  }
  return { events, overwrites };
}

/** The same, in memory nobody overwrites. */
function decodeUntouched(chunks: Chunk[], rdb: RdbDepth, runs: boolean, args = true): unknown[] {
  return decodeInReusedMemory(chunks, rdb, runs, () => false, args).events;
}

function fullSync(rdb: Buffer): Chunk[] {
  return [
    r2m(encodeCommand(['PSYNC', '?', '-1'])),
    m2r(`+FULLRESYNC ${REPLID} 0\r\n$${rdb.length}\r\n`),
    m2r(rdb),
    m2r(Buffer.concat([encodeCommand(['SELECT', '0']), encodeCommand(['SET', 'after', 'sync']), encodeCommand(['MSET', 'a', '1', 'b', '2'])])),
  ];
}

/** The first fixture's RDB with its tenth key's type byte made one no RDB has: decoding stops there. */
function corruptRdb(): Buffer {
  const { rdb } = rdbFixtures()[0]!;
  const tenth = new RdbDecoder({ values: false }).feed(rdb).filter((e): e is RdbKey => e.type === 'key')[9]!;
  const corrupt = Buffer.from(rdb);
  corrupt[tenth.at] = 0x63;
  return corrupt;
}

const cases: [string, Chunk[]][] = [
  ...linkFixtureNames().map((name): [string, Chunk[]] => [`link fixture ${name}`, loadLinkFixture(name).chunks]),
  ...rdbFixtures().map(({ fixture, rdb }): [string, Chunk[]] => [`a full sync of ${fixture.name}`, fullSync(rdb)]),
  ['a full sync of an RDB corrupt after nine keys', fullSync(corruptRdb())],
];

describe('a decoder fed from memory that is reused once it let go of it', () => {
  describe.each(cases)('%s', (_name, chunks) => {
    it.each([
      ['keys', true, true],
      ['keys', false, true],
      ['values', false, true],
      ['none', true, true],
      // --record meta: command batches, and the frames they leave out with their arguments.
      ['summary', true, false],
    ] as [RdbDepth, boolean, boolean][])('gives the events of untouched memory, --rdb %s, runs %s, arguments %s, for any chunking (property)', (rdb, runs, args) => {
      const expected = decodeUntouched(chunks, rdb, runs, args);
      const whole = decodeInReusedMemory(chunks, rdb, runs, undefined, args);
      expect(whole.events).toEqual(expected);
      // Only while RDB values are decoded may it refuse, inside a record that spans chunks.
      if (rdb === 'values') expect(whole.overwrites).toBeGreaterThan(0);
      else expect(whole.overwrites).toBe(chunks.length);
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 80 }), (cuts) => {
          const split = resplit(chunks, cuts);
          expect(decodeInReusedMemory(split, rdb, runs, undefined, args).events).toEqual(decodeUntouched(split, rdb, runs, args));
        }),
        { numRuns: 10 },
      );
    });
  });

  it('gives them fed byte by byte, where every frame and record spans chunks', () => {
    const { rdb } = rdbFixtures()[0]!;
    const chunks = bytewise(fullSync(rdb));
    for (const runs of [true, false]) {
      const reused = decodeInReusedMemory(chunks, 'keys', runs);
      expect(reused.events).toEqual(decodeUntouched(chunks, 'keys', runs));
      expect(reused.overwrites).toBe(chunks.length);
    }
  });

  it('lets go of a command frame split across chunks by copying its arguments: overwriting them without that would change the arguments recorded', () => {
    const frame = encodeCommand(['SET', 'key', 'value']);
    const cut = frame.indexOf('value');
    const chunks = [r2m(encodeCommand(['PSYNC', REPLID, '1'])), m2r(`+CONTINUE ${REPLID}\r\n`), m2r(frame.subarray(0, cut)), m2r(frame.subarray(cut))];
    const decoder = new LinkDecoder({ link: 1, args: true, rdb: 'keys', recordSecrets: false });
    for (const c of chunks.slice(0, 3)) decoder.feed(c.dir, c.data, 0);
    expect(decoder.pendingBytes('m2r')).toBe(cut);
    for (const runs of [true, false]) {
      const careless = decodeInReusedMemory(chunks, 'keys', runs, () => true).events;
      expect(careless).not.toEqual(decodeUntouched(chunks, 'keys', runs));
      expect(decodeInReusedMemory(chunks, 'keys', runs).events).toEqual(decodeUntouched(chunks, 'keys', runs));
    }
  });

  it('lets go of an RDB record split across chunks by copying it: overwriting it without that would change the keys', () => {
    const { rdb } = rdbFixtures()[0]!;
    const sync = fullSync(rdb);
    const chunks = [sync[0]!, sync[1]!, m2r(rdb.subarray(0, rdb.length >> 1)), m2r(rdb.subarray(rdb.length >> 1)), sync[3]!];
    const careless = decodeInReusedMemory(chunks, 'keys', true, () => true).events;
    expect(careless).not.toEqual(decodeUntouched(chunks, 'keys', true));
    expect(decodeInReusedMemory(chunks, 'keys', true).events).toEqual(decodeUntouched(chunks, 'keys', true));
  });

  it('decoding values, refuses inside a record that began in a chunk as fed, and lets go once it ends', () => {
    const { rdb } = rdbFixtures()[0]!;
    const third = new RdbDecoder({ values: false }).feed(rdb).filter((e): e is RdbKey => e.type === 'key')[2]!;
    const sync = fullSync(rdb);
    const decoder = new LinkDecoder({ link: 1, args: true, rdb: 'values', recordSecrets: false });
    for (const c of sync.slice(0, 2)) decoder.feed(c.dir, c.data, 0);
    decoder.feed('m2r', rdb.subarray(0, third.at + 3), 0);
    expect(decoder.releaseInput('m2r')).toBe(false);
    decoder.feed('m2r', rdb.subarray(third.at + 3), 0);
    expect(decoder.releaseInput('m2r')).toBe(true);
  });
});
