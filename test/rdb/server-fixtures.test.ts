import { describe, expect, it } from 'vitest';
import type { RdbEvent, RdbKey, StreamValue } from '../../src/rdb/events.js';
import { RdbDecoder } from '../../src/rdb/rdb-decoder.js';
import { rdbFixtures } from '../support/rdb-fixture.js';

/** How redis-server 7.0 names each in-memory encoding, and the RDB encoding it saves it as. */
const SAVED_AS: Record<string, string> = {
  'string/embstr': 'string',
  'string/int': 'string',
  'string/raw': 'string',
  'list/quicklist': 'quicklist2',
  'set/intset': 'intset',
  'set/hashtable': 'hashtable',
  'zset/listpack': 'listpack',
  'zset/skiplist': 'skiplist',
  'hash/listpack': 'listpack',
  'hash/hashtable': 'hashtable',
  'stream/stream': 'listpacks2',
};

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

function canonical(key: RdbKey): unknown {
  const v = key.value!;
  switch (key.valueType) {
    case 'string':
      return Buffer.from(v as Uint8Array).toString('base64');
    case 'list':
      return (v as Uint8Array[]).map(text);
    case 'set':
      return (v as Uint8Array[]).map(text).sort();
    case 'zset':
      return (v as { member: Uint8Array; score: number }[]).map((e) => `${text(e.member)}=${e.score}`).sort();
    case 'hash':
      return (v as { field: Uint8Array; value: Uint8Array }[]).map((e) => `${text(e.field)}=${text(e.value)}`).sort();
    case 'stream': {
      const s = v as StreamValue;
      return {
        entries: s.entries.map((e) => `${e.id}:${e.fields.map(text).join(',')}`),
        groups: s.groups.map((g) => ({ name: text(g.name), pending: g.pending.length, consumers: g.consumers.length, lastId: g.lastId })),
      };
    }
    default:
      return null;
  }
}

describe.each(rdbFixtures().map((f) => [f.fixture.name, f] as const))('RDB saved by redis-server: %s', (_name, { fixture, rdb }) => {
  const decoder = new RdbDecoder({ values: true });
  const events: RdbEvent[] = [...decoder.feed(rdb), ...decoder.end()];
  const keys = new Map(events.filter((e): e is RdbKey => e.type === 'key').map((k) => [`${k.db}/${text(k.key)}`, k]));

  it(`holds exactly the ${fixture.expected.keys.length} keys the server listed, ${fixture.expected.functions} function library`, () => {
    expect([...keys.keys()].sort()).toEqual(fixture.expected.keys.map((k) => `${k.db}/${k.key}`).sort());
    expect(events.filter((e) => e.type === 'function')).toHaveLength(fixture.expected.functions);
  });

  it('gives each key the type, RDB encoding, expiry and value the server reported', () => {
    for (const want of fixture.expected.keys) {
      const got = keys.get(`${want.db}/${want.key}`)!;
      const where = `${want.db}/${want.key}`;
      expect(got.valueType, where).toBe(want.type);
      expect(got.encoding, where).toBe(SAVED_AS[`${want.type}/${want.encoding}`]);
      expect(got.expiry, where).toBe(want.expiry);
      expect(canonical(got), where).toEqual(want.value);
    }
  });

  it(`ends with the checksum ${fixture.config.rdbchecksum === 'no' ? 'disabled' : 'verified'}`, () => {
    expect(events.at(-1)).toMatchObject({ type: 'end', checksum: fixture.config.rdbchecksum === 'no' ? 'disabled' : 'ok' });
  });
});

describe('encodings the fixtures cover', () => {
  it('every RDB encoding redis-server 7.0 writes appears in some fixture', () => {
    const seen = new Set<string>();
    for (const { rdb } of rdbFixtures()) {
      const decoder = new RdbDecoder({ values: true });
      for (const e of [...decoder.feed(rdb), ...decoder.end()]) {
        if (e.type === 'key') seen.add(`${e.valueType}/${e.encoding}`);
      }
    }
    expect([...seen].sort()).toEqual(
      ['hash/hashtable', 'hash/listpack', 'list/quicklist2', 'set/hashtable', 'set/intset', 'stream/listpacks2', 'string/string', 'zset/listpack', 'zset/skiplist'].sort(),
    );
  });
});
