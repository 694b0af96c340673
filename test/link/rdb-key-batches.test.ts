import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import fc from 'fast-check';
import { afterAll, describe, expect, it } from 'vitest';
import type { LinkEvent, RdbKeysEvent } from '../../src/link/events.js';
import { LinkDecoder } from '../../src/link/link-decoder.js';
import { expandRdbKeys, RdbKeysError } from '../../src/link/rdb-key-batch.js';
import { RdbDecoder } from '../../src/rdb/rdb-decoder.js';
import type { RdbKey } from '../../src/rdb/events.js';
import { encodeCommand } from '../../src/resp/encode.js';
import { TraceFormatError } from '../../src/trace/errors.js';
import { openTrace, readTraceRecords } from '../../src/trace/reader.js';
import { TraceWriter } from '../../src/trace/writer.js';
import { bytewise, decodeChunks, decodeChunksViaRuns, m2r, r2m, resplit, type Chunk } from '../support/decode.js';
import * as repltap from '../../src/index.js';
import { rdbFixtures } from '../support/rdb-fixture.js';
import { traceHeader } from '../support/trace-header.js';

const REPLID = 'b3bb99b5899e4202b09258ebe17e7cb109f25a1a';
const dir = mkdtempSync(join(tmpdir(), 'repltap-key-batches-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A full sync of `rdb` (length-framed) followed by one propagated command. */
function fullSync(rdb: Buffer): Chunk[] {
  return [
    r2m(encodeCommand(['PSYNC', '?', '-1'])),
    m2r(`+FULLRESYNC ${REPLID} 0\r\n$${rdb.length}\r\n`),
    m2r(rdb),
    m2r(encodeCommand(['SET', 'after', 'sync'])),
  ];
}

function keysOf(events: LinkEvent[]): Extract<LinkEvent, { type: 'rdb-key' }>[] {
  return events.filter((e): e is Extract<LinkEvent, { type: 'rdb-key' }> => e.type === 'rdb-key');
}

function batchOf(overrides: Partial<RdbKeysEvent> = {}): RdbKeysEvent {
  return {
    type: 'rdb-keys',
    t: 5,
    link: 3,
    count: 3,
    dbs: [0, 0, 2],
    keys: Buffer.from('abbccc'),
    keyLengths: [1, 2, 3],
    valueTypes: ['string', 'hash'],
    encodings: ['string', 'listpack'],
    kinds: [0, 1, 0],
    expiries: [null, 1_700_000_000_123, null],
    lengths: [1, 4, null],
    ...overrides,
  };
}

describe('batches of RDB keys', () => {
  describe.each(rdbFixtures().map((f) => [f.fixture.name, f] as const))('an RDB saved by redis-server (%s) in a full sync', (_name, { fixture, rdb }) => {
    const chunks = fullSync(rdb);
    const events = decodeChunks(chunks, { rdb: 'keys' });

    it('expand to exactly the rdb-key events the decoder gives key by key, for any chunking (property)', () => {
      expect(keysOf(events).length).toBe(fixture.expected.keys.length);
      const whole = decodeChunksViaRuns(chunks, {}, 'keys');
      expect(whole.keyBatches).toBeGreaterThan(0);
      expect(whole.events).toEqual(events);
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 60 }), (cuts) => {
          expect(decodeChunksViaRuns(resplit(chunks, cuts), {}, 'keys').events).toEqual(events);
        }),
        { numRuns: 15 },
      );
    });
  });

  it('end where the RDB content turns corrupt, with the same decode-error and the stream decoded after it, for any chunking (property)', () => {
    const { rdb } = rdbFixtures()[0]!;
    // The tenth key's type byte becomes one no RDB has.
    const tenth = new RdbDecoder({ values: false }).feed(rdb).filter((e): e is RdbKey => e.type === 'key')[9]!;
    const corrupt = Buffer.from(rdb);
    corrupt[tenth.at] = 0x63;
    const chunks = fullSync(corrupt);
    const events = decodeChunks(chunks, { rdb: 'keys' });
    expect(keysOf(events)).toHaveLength(9);
    expect(events.filter((e) => e.type === 'decode-error')).toMatchObject([{ message: expect.stringContaining('RDB content: unknown RDB type or opcode 0x63') }]);
    expect(events.at(-1)).toMatchObject({ type: 'command', name: 'set' });
    expect(decodeChunksViaRuns(chunks, {}, 'keys').events).toEqual(events);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 60 }), (cuts) => {
        expect(decodeChunksViaRuns(resplit(chunks, cuts), {}, 'keys').events).toEqual(events);
      }),
      { numRuns: 20 },
    );
  });

  it('come one per chunk, byte by byte too, and never at --rdb values (keys carry values there)', () => {
    const { rdb, fixture } = rdbFixtures()[0]!;
    const chunks = fullSync(rdb);
    const bytes = decodeChunksViaRuns(bytewise(chunks), {}, 'keys');
    expect(bytes.events).toEqual(decodeChunks(chunks, { rdb: 'keys' }));
    expect(bytes.keyBatches).toBe(fixture.expected.keys.length);
    const decoder = new LinkDecoder({ link: 1, args: true, rdb: 'values', recordSecrets: false });
    const withValues = chunks.flatMap((c) => decoder.feedRuns(c.dir, c.data, 0));
    expect(withValues.some((e) => e.type === 'rdb-keys')).toBe(false);
    expect(keysOf(withValues as LinkEvent[]).every((e) => e.value !== undefined)).toBe(true);
  });

  it("can be expanded by library users with the package's own exports, as command runs and batches can", () => {
    const { rdb } = rdbFixtures()[0]!;
    const chunks = fullSync(rdb);
    const decoder = new repltap.LinkDecoder({ link: 1, args: true, rdb: 'keys', recordSecrets: false });
    const runs = new repltap.CommandRunExpander({}, true);
    const events = chunks.flatMap((c) =>
      decoder.feedRuns(c.dir, c.data, 0).flatMap((e): LinkEvent[] => (e.type === 'rdb-keys' ? repltap.expandRdbKeys(e) : e.type === 'command-run' ? runs.expand(e) : e.type === 'command-batch' ? repltap.expandCommandBatch(e) : [e])),
    );
    expect(events).toEqual(decodeChunks(chunks, { rdb: 'keys' }));
  });

  it('expand column by column, in order', () => {
    expect(expandRdbKeys(batchOf())).toEqual([
      { type: 'rdb-key', t: 5, link: 3, db: 0, key: Buffer.from('a'), valueType: 'string', encoding: 'string', expiry: null, length: 1 },
      { type: 'rdb-key', t: 5, link: 3, db: 0, key: Buffer.from('bb'), valueType: 'hash', encoding: 'listpack', expiry: 1_700_000_000_123, length: 4 },
      { type: 'rdb-key', t: 5, link: 3, db: 2, key: Buffer.from('ccc'), valueType: 'string', encoding: 'string', expiry: null, length: null },
    ]);
  });

  it.each([
    ['a column shorter than the count', { dbs: [0, 0] }, 'its dbs column holds 2 entries, it announces 3 keys'],
    ['key lengths past the keys', { keyLengths: [1, 2, 4] }, 'key 3 of 3 runs past the 6 bytes of its keys'],
    ['key bytes left over', { keys: Buffer.from('abbcccd') }, 'its keys hold 7 bytes, its keyLengths add up to 6'],
    ['a kind the batch does not have', { kinds: [0, 2, 0] }, 'key 2 of 3 has kind 2, the batch has 2'],
    ['types and encodings that do not pair up', { encodings: ['string'] }, 'its valueTypes and encodings do not pair up'],
    ['no count', { count: 0 }, 'its count 0 is not a positive integer'],
  ])('that disagree with themselves are refused: %s', (_what, overrides, message) => {
    expect(() => expandRdbKeys(batchOf(overrides))).toThrow(new RdbKeysError(`rdb-keys batch of link 3: ${message}`));
  });

  it('round-trip through a trace file: readers give rdb-key records, a copy keeps the batch', () => {
    const path = join(dir, 'batch.rtrace');
    const writer = new TraceWriter(path, traceHeader());
    writer.append(batchOf());
    writer.close();
    const trace = openTrace(path);
    try {
      expect([...trace.storedRecords()].filter((r) => r.type === 'rdb-keys')).toEqual([batchOf()]);
    } finally {
      trace.close();
    }
    expect(readTraceRecords(path).records).toEqual(expandRdbKeys(batchOf()));
  });

  it('keep expiries as integers (msgpack uint64), as rdb-key records do, where a general encoder writes doubles', () => {
    const path = join(dir, 'expiry.rtrace');
    const writer = new TraceWriter(path, traceHeader());
    writer.append(batchOf());
    writer.close();
    const uint64 = Buffer.alloc(9);
    uint64[0] = 0xcf;
    uint64.writeBigUInt64BE(1_700_000_000_123n, 1);
    expect(readFileSync(path).includes(uint64)).toBe(true);
  });

  it('larger than a trace block (70,000 keys, 16-bit array lengths exceeded) round-trip whole', () => {
    const count = 70_000;
    const names = Array.from({ length: count }, (_, i) => `key:${i}`);
    const big = batchOf({
      count,
      dbs: names.map((_, i) => i % 16),
      keys: Buffer.from(names.join('')),
      keyLengths: names.map((n) => n.length),
      kinds: names.map((_, i) => i % 2),
      expiries: names.map((_, i) => (i % 3 === 0 ? 1_800_000_000_000 + i : null)),
      lengths: names.map((_, i) => (i % 5 === 0 ? null : i)),
    });
    const path = join(dir, 'big.rtrace');
    const writer = new TraceWriter(path, traceHeader());
    writer.append(big);
    writer.append(batchOf());
    writer.close();
    const records = readTraceRecords(path).records;
    expect(records).toHaveLength(count + 3);
    expect(records).toEqual([...expandRdbKeys(big), ...expandRdbKeys(batchOf())]);
  });

  it('in a trace that do not agree with themselves: the reader says which block and what is wrong', () => {
    const path = join(dir, 'bad-batch.rtrace');
    const writer = new TraceWriter(path, traceHeader());
    writer.append(batchOf({ kinds: [0, 1, 7] }));
    writer.close();
    // The batch's block follows the magic and the header's block.
    const at = 8 + 8 + readFileSync(path).readUInt32LE(8);
    expect(() => readTraceRecords(path)).toThrow(new TraceFormatError(path, at, 'rdb-keys batch of link 3: key 3 of 3 has kind 7, the batch has 2: the file is corrupt'));
  });
});
