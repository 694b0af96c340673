import { describe, expect, it } from 'vitest';
import { RdbSummaryBuilder } from '../../src/rdb/summary.js';

describe('RdbSummaryBuilder', () => {
  it('totals keys per db, type and encoding, expiries and empty keys, in the order first seen, however often it is read', () => {
    const builder = new RdbSummaryBuilder();
    const keys: [number, string, string, boolean, boolean][] = [
      [0, 'string', 'raw', false, false],
      [0, 'hash', 'listpack', true, false],
      [0, 'string', 'int', false, false],
      [2, 'string', 'raw', true, false],
      [0, 'string', 'raw', false, false],
      [2, 'list', 'quicklist', false, true],
      [0, 'hash', 'listpack', true, false],
    ];
    for (const key of keys) builder.addKey(...key);
    const expected = {
      keys: 7,
      expires: 3,
      emptyKeys: 1,
      dbs: {
        0: { keys: 5, expires: 2, types: { string: 3, hash: 2 } },
        2: { keys: 2, expires: 1, types: { string: 1, list: 1 } },
      },
      types: { string: 4, hash: 2, list: 1 },
      encodings: { 'string/raw': 3, 'string/int': 1, 'hash/listpack': 2, 'list/quicklist': 1 },
    };
    expect(builder.summary).toMatchObject(expected);
    expect(Object.keys(builder.summary.types)).toEqual(['string', 'hash', 'list']);
    expect(Object.keys(builder.summary.encodings)).toEqual(['string/raw', 'string/int', 'hash/listpack', 'list/quicklist']);
    builder.addKey(0, 'string', 'raw', false, false);
    expect(builder.summary).toMatchObject({
      keys: 8,
      expires: 3,
      dbs: { 0: { keys: 6, expires: 2, types: { string: 4, hash: 2 } }, 2: expected.dbs[2] },
      types: { ...expected.types, string: 5 },
      encodings: { ...expected.encodings, 'string/raw': 4 },
    });
  });

  it('counts key events as it counts keys given directly', () => {
    const direct = new RdbSummaryBuilder();
    const events = new RdbSummaryBuilder();
    direct.addKey(1, 'set', 'intset', true, false);
    events.add({ type: 'key', db: 1, key: Buffer.from('k'), valueType: 'set', encoding: 'intset', expiry: 5, length: 3, bytes: 10, at: 20 });
    expect(events.summary).toEqual(direct.summary);
    expect(events.summary).toMatchObject({ keys: 1, expires: 1, dbs: { 1: { keys: 1, expires: 1, types: { set: 1 } } } });
  });
});
