import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import type { RdbEvent, RdbKey, RdbValueType } from '../../src/rdb/events.js';
import { RdbDecoder } from '../../src/rdb/rdb-decoder.js';
import type { RdbSink } from '../../src/rdb/sink.js';
import { RdbSummaryBuilder } from '../../src/rdb/summary.js';
import { seededGenerator } from '../../src/random.js';
import { canonicalFromHdt, canonicalFromLibrdb, canonicalOf, CORPUS, decodeFile, manifest, type Canonical } from '../support/rdb-corpus.js';

const rows = manifest();

/** Files redis-check-rdb rejects, with what our decoder must say instead (or how it treats them on purpose). */
const NEGATIVE: Record<string, RegExp | 'empty-keys' | 'checksum-mismatch'> = {
  'corrupt_ziplist.rdb': /at byte \d+: ziplist integrity check failed/,
  'future_v19.rdb': /RDB version 99 is not supported/,
  'zipmap_big_len.rdb': /zipmap integrity check failed at byte 0 .*zipmap header counts 255 entries, found 2/,
  'redis_ent_opcode_ram_lru.rdb': /at byte 280: unknown RDB type or opcode 0x6b/,
  'valkey_hash2_with_hfe.rdb': /Valkey 9 RDB format \(VALKEY080\) is not supported/,
  'corrupt_empty_keys.rdb': 'empty-keys',
  'invalid_chksum_v8.rdb': 'checksum-mismatch',
};

describe('the RDB corpus (../shared/rdb-corpus)', () => {
  it('lists 90 files', () => {
    expect(rows).toHaveLength(90);
  });

  for (const row of rows) {
    const name = row.file.split('/').pop()!;
    const negative = NEGATIVE[name];
    if (row.check === 'ok') {
      it(`${row.file}: decodes, ${row.keysRead} keys as redis-check-rdb reads, in summary mode too`, () => {
        const { events, error } = decodeFile(join(CORPUS, row.file));
        expect(error).toBeNull();
        expect(events.filter((e) => e.type === 'key')).toHaveLength(row.keysRead);
        const summary = decodeFile(join(CORPUS, row.file), 1 << 20, false);
        expect(summary.error).toBeNull();
        expect(summary.events.filter((e) => e.type === 'key')).toHaveLength(row.keysRead);
        const end = events.at(-1)!;
        expect(end.type).toBe('end');
        if (end.type === 'end') expect(end.checksum).not.toBe('mismatch');
      });
    } else {
      it(`${row.file}: redis-check-rdb says "${row.check.slice(0, 60)}…"; the decoder ${typeof negative === 'string' ? 'flags it' : 'refuses it precisely'}`, () => {
        expect(negative, `no expectation written for ${name}`).toBeDefined();
        const { events, error } = decodeFile(join(CORPUS, row.file));
        if (negative === 'empty-keys') {
          const keys = events.filter((e): e is RdbKey => e.type === 'key');
          expect(keys).toHaveLength(row.keysInFile);
          expect(keys.every((k) => k.empty)).toBe(true);
        } else if (negative === 'checksum-mismatch') {
          const end = events.at(-1)!;
          expect(end).toMatchObject({ type: 'end', checksum: 'mismatch' });
        } else {
          expect(error?.message).toMatch(negative!);
          expect(decodeFile(join(CORPUS, row.file), 1 << 20, false).error?.message).toMatch(negative!);
          // Every complete key before the fault is delivered. redis-check-rdb's count also includes
          // the key whose value is corrupt (it had read its name), which we cannot deliver.
          const faultInValue = /integrity check failed/.test(error!.message);
          expect(events.filter((e) => e.type === 'key')).toHaveLength(faultInValue ? row.keysRead - 1 : row.keysRead);
        }
      });
    }
  }
});

describe('a sink takes what the events say, in their order', () => {
  /** An event as a sink is told it: bytes as hex (read during the call), keys with the fields `key` takes. */
  const asSeen = (e: RdbEvent): unknown =>
    e.type === 'key'
      ? { type: 'key', db: e.db, key: Buffer.from(e.key).toString('hex'), valueType: e.valueType, encoding: e.encoding, expiry: e.expiry, length: e.length, empty: e.empty === true }
      : Object.fromEntries(Object.entries(e).map(([name, v]) => [name, v instanceof Uint8Array ? Buffer.from(v).toString('hex') : v]));
  class Recorder implements RdbSink {
    readonly seen: unknown[] = [];
    constructor(readonly namesKeys: boolean) {}
    key(db: number, name: Uint8Array, nameAt: number, nameLength: number, valueType: RdbValueType, encoding: string, expiry: number | null, length: number | null, empty: boolean): void {
      this.seen.push({ type: 'key', db, key: Buffer.from(name.subarray(nameAt, nameAt + nameLength)).toString('hex'), valueType, encoding, expiry, length, empty });
    }
    event(event: RdbEvent): void {
      this.seen.push(asSeen(event));
    }
  }

  it('for every valid corpus file at random chunkings, with key names and without', () => {
    const random = seededGenerator(7);
    for (const row of rows.filter((r) => r.check === 'ok')) {
      const bytes = readFileSync(join(CORPUS, row.file));
      const decoder = new RdbDecoder({ values: false });
      const expected = [...decoder.feed(bytes), ...decoder.end()].map(asSeen);
      for (const namesKeys of [true, false]) {
        const recorder = new Recorder(namesKeys);
        const sinking = new RdbDecoder({ values: false, sink: recorder });
        const returned: RdbEvent[] = [];
        // Chunks of 1 to 64 bytes: keys and values cut everywhere. Each chunk is overwritten once
        // the decoder lets go of it, as the tap reuses its read memory: a key the sink kept a view
        // of instead of its bytes would show it.
        for (let at = 0; at < bytes.length; ) {
          const n = 1 + Math.floor(random() * 64);
          const chunk = Buffer.from(bytes.subarray(at, at + n));
          returned.push(...sinking.feed(chunk));
          expect(sinking.releaseInput()).toBe(true);
          chunk.fill(0);
          at += n;
        }
        returned.push(...sinking.end());
        expect(returned, row.file).toEqual([]);
        expect(recorder.seen, row.file).toEqual(namesKeys ? expected : expected.map((e) => (e as { type: string }).type === 'key' ? { ...(e as object), key: '' } : e));
      }
    }
  });

  it('gives the summary built from key events, counting keys into it', () => {
    for (const row of rows.filter((r) => r.check === 'ok')) {
      const bytes = readFileSync(join(CORPUS, row.file));
      const viaEvents = new RdbSummaryBuilder();
      const events = new RdbDecoder({ values: false });
      for (const e of [...events.feed(bytes), ...events.end()]) viaEvents.add(e);
      const direct = new RdbSummaryBuilder();
      const counting = new RdbDecoder({ values: false, sink: direct });
      expect([...counting.feed(bytes), ...counting.end()], row.file).toEqual([]);
      expect(direct.summary, row.file).toEqual(viaEvents.summary);
    }
  });

  it('is refused with values, which come as events', () => {
    expect(() => new RdbDecoder({ values: true, sink: new RdbSummaryBuilder() })).toThrow(/a sink takes keys without values/);
  });
});

describe('decoded values agree with the expected outputs the projects ship', () => {
  const expectedJson = (r: (typeof rows)[number]): string | undefined =>
    r.expected.find((e) => e.startsWith('HDT3213__rdb/') && e.endsWith('.json')) ?? r.expected.find((e) => e.endsWith('_data.json'));
  for (const row of rows.filter((r) => r.check === 'ok' && expectedJson(r) !== undefined)) {
    const expectedFile = expectedJson(row)!;
    it(`${row.file} ↔ ${expectedFile}`, () => {
      const { events } = decodeFile(join(CORPUS, row.file));
      const keys = events.filter((e): e is RdbKey => e.type === 'key');
      const ours = new Map<string, Canonical>(keys.map((k) => [`${k.db}/${Buffer.from(k.key).toString('utf8')}`, canonicalOf(k)]));
      const expected = new Map<string, Canonical>();
      const raw = readFileSync(join(CORPUS, expectedFile), 'utf8');
      if (expectedFile.startsWith('HDT3213__rdb/')) {
        for (const entry of JSON.parse(raw) as Record<string, unknown>[]) {
          const c = canonicalFromHdt(entry);
          if (c !== null) expected.set(`${entry.db}/${entry.key}`, c);
        }
      } else {
        const parsed = JSON.parse(raw.trim().startsWith('[') ? raw : `{${raw}}`) as Record<string, unknown> | Record<string, unknown>[];
        const perDb = Array.isArray(parsed) ? parsed : [parsed];
        const dbs = [...new Set(keys.map((k) => k.db))].sort((a, b) => a - b);
        perDb.forEach((entries, i) => {
          for (const [key, value] of Object.entries(entries)) {
            if (key === '__aux__') continue;
            const db = Array.isArray(parsed) ? dbs[i]! : (keys.find((k) => Buffer.from(k.key).toString('utf8') === key)?.db ?? 0);
            const type = ours.get(`${db}/${key}`)?.type ?? 'string';
            const c = canonicalFromLibrdb(value, type);
            if (c !== null) expected.set(`${db}/${key}`, c);
          }
        });
      }
      // Both ways: the same keys (modules and functions aside, which the expected files render in prose), equal values.
      const comparable = [...ours].filter(([, c]) => c.value !== null).map(([k]) => k);
      expect(comparable.sort()).toEqual([...expected.keys()].sort());
      for (const [key, want] of expected) expect(ours.get(key), key).toEqual(want);
    });
  }
});
