import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { Crc64 } from '../../src/rdb/crc64.js';
import { RdbFormatError } from '../../src/rdb/errors.js';
import type { RdbEvent } from '../../src/rdb/events.js';
import { lzfDecompress } from '../../src/rdb/lzf.js';
import { RdbDecoder } from '../../src/rdb/rdb-decoder.js';
import { CORPUS, manifest } from '../support/rdb-corpus.js';
import { rdbFixtures } from '../support/rdb-fixture.js';

function decodeSplit(bytes: Uint8Array, cuts: number[], options = { values: true }): { events: RdbEvent[]; error: string | null } {
  const decoder = new RdbDecoder(options);
  const events: RdbEvent[] = [];
  let from = 0;
  try {
    for (const cut of [...new Set(cuts.map((c) => c % (bytes.length + 1)))].sort((a, b) => a - b).concat(bytes.length)) {
      if (cut > from) events.push(...decoder.feed(bytes.subarray(from, cut)));
      from = Math.max(from, cut);
    }
    events.push(...decoder.end());
    return { events, error: null };
  } catch (error) {
    if (!(error instanceof RdbFormatError)) throw error;
    return { events: [...events, ...error.events], error: error.message };
  }
}

const valid = manifest().filter((r) => r.check === 'ok').map((r) => readFileSync(join(CORPUS, r.file)));
const sample = fc.constantFrom(...valid);

describe('RdbDecoder', () => {
  it('CRC-64/Jones test vector: "123456789" gives e9c6d914c4b8d9ca', () => {
    const crc = new Crc64();
    crc.update(Buffer.from('123456789'));
    expect(crc.hex()).toBe('e9c6d914c4b8d9ca');
    const split = new Crc64();
    for (const b of Buffer.from('123456789')) split.update(Buffer.from([b]));
    expect(split.hex()).toBe('e9c6d914c4b8d9ca');
  });

  it('gives identical events for any chunking of every valid corpus file (property)', () => {
    fc.assert(
      fc.property(sample, fc.array(fc.nat(), { maxLength: 40 }), (bytes, cuts) => {
        expect(decodeSplit(bytes, cuts)).toEqual(decodeSplit(bytes, []));
      }),
      { numRuns: 200 },
    );
  });

  // Chunks of the sizes a socket or a file stream gives, over the larger files, as the tap and
  // `repltap rdb` feed them; the random cuts above mostly make small pieces.
  const large = [...valid.filter((b) => b.length > 16_384), ...rdbFixtures().map((f) => f.rdb)];
  it.each([true, false])('gives identical events for chunks of 4 to 12 KiB, the checksum included, values %s (property)', (values) => {
    expect(large.length).toBeGreaterThanOrEqual(10);
    fc.assert(
      fc.property(fc.constantFrom(...large), fc.array(fc.integer({ min: 4097, max: 12_288 }), { minLength: 1, maxLength: 8 }), (bytes, sizes) => {
        const cuts: number[] = [];
        for (let at = 0, k = 0; at < bytes.length; k++) cuts.push((at += sizes[k % sizes.length]!));
        const split = decodeSplit(bytes, cuts, { values });
        expect(split).toEqual(decodeSplit(bytes, [], { values }));
        expect(split.events.at(-1)).toMatchObject({ type: 'end', checksum: expect.stringMatching(/^(ok|disabled|absent)$/) });
      }),
      { numRuns: 60 },
    );
  });

  it('gives identical events fed one byte at a time', () => {
    for (const bytes of valid.filter((b) => b.length < 5000)) {
      expect(decodeSplit(bytes, Array.from({ length: bytes.length }, (_, i) => i))).toEqual(decodeSplit(bytes, []));
    }
  });

  it('reports a truncated file as an error with the offset where it ends, never a hang (property)', () => {
    fc.assert(
      fc.property(sample, fc.nat(), (bytes, n) => {
        // Cut inside the RDB proper: one corpus file has bytes after its checksum.
        const end = decodeSplit(bytes, []).events.at(-1);
        const length = end?.type === 'end' ? end.bytes : bytes.length;
        const cut = n % length;
        const result = decodeSplit(bytes.subarray(0, cut), [cut >> 1]);
        expect(result.error).toMatch(/^at byte \d+: /);
        expect(result.error).toContain(cut === 0 ? 'at byte 0' : 'byte');
      }),
      { numRuns: 300 },
    );
  });

  it('reports corruption as RdbFormatError or a checksum mismatch, never another exception (property)', () => {
    fc.assert(
      fc.property(sample, fc.nat(), fc.integer({ min: 1, max: 255 }), (original, n, flip) => {
        const bytes = Buffer.from(original);
        const at = 9 + (n % Math.max(1, bytes.length - 9));
        bytes[at] = bytes[at]! ^ flip;
        const result = decodeSplit(bytes, [at]);
        if (result.error === null) {
          const end = result.events.at(-1);
          // A flipped byte in a file with a checksum is caught by it, unless it hit the checksum
          // itself or bytes after it (one corpus file has some).
          if (end?.type === 'end' && end.checksum === 'ok') expect(at).toBeGreaterThanOrEqual(end.bytes - 8);
        } else {
          expect(result.error).toMatch(/^at byte \d+: /);
        }
      }),
      { numRuns: 500 },
    );
  });

  it('streams a value over the cap through a digest instead of holding it', () => {
    const big = Buffer.alloc(300_000, 0x61);
    const bytes = Buffer.concat([Buffer.from('REDIS0006'), Buffer.from([0xfe, 0x00, 0x00, 0x01, 0x6b]), Buffer.from([0x80]), Buffer.alloc(4), big, Buffer.from([0xff]), Buffer.alloc(8)]);
    bytes.writeUInt32BE(big.length, 15);
    const decoder = new RdbDecoder({ values: true, maxValueBytes: 65_536 });
    const events: RdbEvent[] = [];
    for (let at = 0; at < bytes.length; at += 10_000) events.push(...decoder.feed(bytes.subarray(at, at + 10_000)));
    events.push(...decoder.end());
    const key = events.find((e) => e.type === 'key');
    expect(key).toMatchObject({ valueType: 'string', value: { oversized: true, bytes: 300_000 } });
  });

  describe('file-level records and key prefixes (§7.6), hand-made as Redis 7.4 writes them in cluster mode', () => {
    const str = (s: string): Buffer => Buffer.concat([Buffer.from([s.length]), Buffer.from(s)]);
    const expiryMs = Buffer.alloc(8);
    expiryMs.writeBigInt64LE(1_900_000_000_000n);
    const rdb = (records: Buffer[]): Buffer => Buffer.concat([Buffer.from('REDIS0012'), ...records, Buffer.from([0xff]), Buffer.alloc(8)]);
    const records = [
      Buffer.concat([Buffer.from([0xfa]), str('redis-ver'), str('7.4.1')]),
      Buffer.concat([Buffer.from([0xf5]), str('#!lua name=lib')]),
      Buffer.from([0xfe, 0x00, 0xfb, 0x03, 0x01]),
      Buffer.from([0xf4, 0x44, 0xd2, 0x03, 0x01]), // SLOT_INFO: slot 1234 (a 14-bit length), 3 keys, 1 expiring
      Buffer.concat([Buffer.from([0xfc]), expiryMs, Buffer.from([0x00]), str('a'), str('x')]),
      Buffer.concat([Buffer.from([0xf8, 0x05, 0x00]), str('b'), str('y')]),
      Buffer.concat([Buffer.from([0xf9, 0x07, 0x00]), str('c'), str('z')]),
    ];

    it('gives every record its event, at any chunking (property)', () => {
      const expected = [
        { type: 'header', version: 12 },
        { type: 'aux', key: 'redis-ver' },
        { type: 'function', code: new Uint8Array(Buffer.from('#!lua name=lib')) },
        { type: 'selectdb', db: 0 },
        { type: 'resizedb', db: 0, keys: 3, expires: 1 },
        { type: 'slot-info', slot: 1234, keys: 3, expires: 1 },
        { type: 'key', key: new Uint8Array(Buffer.from('a')), expiry: 1_900_000_000_000 },
        { type: 'key', key: new Uint8Array(Buffer.from('b')), expiry: null, idle: 5 },
        { type: 'key', key: new Uint8Array(Buffer.from('c')), expiry: null, freq: 7 },
        { type: 'end', checksum: 'disabled' },
      ];
      const bytes = rdb(records);
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 20 }), (cuts) => {
          const { events, error } = decodeSplit(bytes, cuts);
          expect(error).toBeNull();
          expect(events).toMatchObject(expected);
          expect(events.filter((e) => e.type === 'key').map((e) => 'idle' in e || 'freq' in e)).toEqual([false, true, true]);
        }),
      );
    });

    it('refuses the pre-release function opcode and an unknown type with where and what', () => {
      expect(decodeSplit(rdb([...records.slice(0, 3), Buffer.from([0xf6])]), []).error).toBe('at byte 47: pre-release function format (opcode 0xF6, Redis 7.0 RC) is not supported');
      expect(decodeSplit(rdb([...records.slice(0, 3), Buffer.from([0x1a]), str('k')]), []).error).toMatch(/^at byte 47: unknown RDB type or opcode 0x1a/);
    });
  });

  it('refuses an LZF length that the compressed bytes cannot produce, before allocating it', () => {
    expect(() => lzfDecompress(Buffer.from([0, 0x61]), 2_000_000_000)).toThrow('LZF length 2000000000 is more than 2 compressed bytes can expand to');
  });
});

describe('module values', () => {
  const dumps = join(CORPUS, 'redis__librdb/test/dumps');
  const file = readFileSync(join(dumps, 'module.rdb'));
  // librdb's expected output for this file (a bare "key":"value" pair): the value as DUMP serialises it, one char per byte.
  const expected = Buffer.from((JSON.parse(`{${readFileSync(join(dumps, 'module_raw.json'), 'utf8')}}`) as { key1: string }).key1, 'latin1');

  it('keeps the serialised value (type byte, module id, body) at any chunking', () => {
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
        const { events, error } = decodeSplit(file, cuts);
        expect(error).toBeNull();
        const key = events.find((e) => e.type === 'key');
        expect(key?.type === 'key' && key.value).toMatchObject({ module: 'test__rdb', version: 1, bytes: expected.length - 10 });
        expect(Buffer.from((key as { value: { raw: Uint8Array } }).value.raw).equals(expected)).toBe(true);
      }),
    );
  });

  it('gives the digest instead above the value cap', () => {
    const decoder = new RdbDecoder({ values: true, maxValueBytes: 16 });
    const key = [...decoder.feed(file), ...decoder.end()].find((e) => e.type === 'key');
    expect(key?.type === 'key' && key.value).toEqual({ module: 'test__rdb', version: 1, bytes: 9, sha256: createHash('sha256').update(expected).digest('hex') });
  });
});
