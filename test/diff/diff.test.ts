import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { diffModels, renderDiff } from '../../src/diff/diff.js';
import { buildModel } from '../../src/diff/model.js';
import { diffSequences } from '../../src/diff/sequence.js';
import type { LinkEvent } from '../../src/link/events.js';

const bytes = (s: string): Uint8Array => Buffer.from(s);

describe('diffSequences', () => {
  it('gives an edit script that turns a into b, as short as Myers finds', () => {
    const words = fc.array(fc.constantFrom('a', 'b', 'c', 'd'), { maxLength: 30 });
    fc.assert(
      fc.property(words, words, (a, b) => {
        const edits = diffSequences(a, b);
        expect(edits.filter((e) => e.op !== '+').map((e) => e.text)).toEqual(a);
        expect(edits.filter((e) => e.op !== '-').map((e) => e.text)).toEqual(b);
        const changes = edits.filter((e) => e.op !== ' ').length;
        // At most every element removed and added; at least the length difference.
        expect(changes).toBeLessThanOrEqual(a.length + b.length);
        expect(changes).toBeGreaterThanOrEqual(Math.abs(a.length - b.length));
      }),
    );
  });

  it('finds one insertion in a long common sequence', () => {
    const a = Array.from({ length: 100_000 }, (_, i) => `set k${i}`);
    const b = [...a.slice(0, 5000), 'set extra', ...a.slice(5000)];
    expect(diffSequences(a, b).filter((e) => e.op !== ' ')).toEqual([{ op: '+', index: 5000, text: 'set extra' }]);
  });
});

function session(commands: [number, string, ...string[]][], keys: [string, string, string][] = [], replid = 'a'.repeat(40)): LinkEvent[] {
  const events: LinkEvent[] = [
    { type: 'link-open', t: 0, link: 1, replica: 'r', master: 'm' },
    { type: 'handshake', t: 0, link: 1, pos: 10, dir: 'r2m', command: 'REPLCONF listening-port 6380' },
    { type: 'handshake', t: 0, link: 1, pos: 5, dir: 'm2r', reply: '+OK' },
    { type: 'handshake', t: 0, link: 1, pos: 60, dir: 'r2m', command: `PSYNC ${replid} 101` },
    { type: 'psync', t: 0, link: 1, pos: 60, replid, offset: 101 },
    { type: 'fullresync', t: 1, link: 1, pos: 70, replid, offset: 500 },
    { type: 'rdb-begin', t: 1, link: 1, pos: 80, framing: 'eof', length: null },
    { type: 'rdb-aux', t: 1, link: 1, key: 'ctime', value: String(Math.random()) },
    ...keys.map(([key, encoding, value]): LinkEvent => ({ type: 'rdb-key', t: 1, link: 1, db: 0, key: bytes(key), valueType: 'string', encoding, expiry: null, length: 1, value: bytes(value) })),
    { type: 'rdb-end', t: 2, link: 1, pos: 90, bytes: 10, rdbVersion: 10, keys: keys.length, dbs: null, types: null, checksum: 'unchecked' },
  ];
  let offset = 500;
  for (const [db, name, ...args] of commands) {
    offset += 20;
    events.push({ type: 'command', t: 3, link: 1, offset, size: 20, name, argc: args.length + 1, db, args: args.map(bytes) });
    events.push({ type: 'ping', t: 3, link: 1, offset: (offset += 14), size: 14 });
  }
  return events;
}

describe('diff of trace models', () => {
  it('ignores replids, offsets, ports, aux fields and pings', () => {
    const a = buildModel({ record: 'full' }, session([[0, 'set', 'k', '1']], [['x', 'embstr', 'v']]));
    const b = buildModel({ record: 'full' }, session([[0, 'set', 'k', '1']], [['x', 'embstr', 'v']], 'b'.repeat(40)));
    expect(diffModels(a, b)).toEqual({ equal: true, sections: [], notes: [] });
  });

  it('names the key of a changed RDB value and the command that differs', () => {
    const a = buildModel({ record: 'full' }, session([[0, 'set', 'k', '1'], [0, 'del', 'gone']], [['user:1', 'embstr', 'alice']]));
    const b = buildModel({ record: 'full' }, session([[0, 'set', 'k', '2'], [0, 'del', 'gone']], [['user:1', 'embstr', 'bob']]));
    const result = diffModels(a, b);
    expect(result.equal).toBe(false);
    const text = renderDiff(result, 'a.rtrace', 'b.rtrace');
    expect(text).toContain('@@ rdb: 1 key differ @@\n-db0 user:1 string/embstr = alice\n+db0 user:1 string/embstr = bob\n');
    expect(text).toContain('@@ stream: command 1-2 (+ 1 in b) @@\n-db0 set k 1\n+db0 set k 2\n db0 del gone\n');
  });

  it('--ignore-encodings, --ignore-tx-order and --ignore-commands overlook what they say', () => {
    const tx = (order: string[]): [number, string, ...string[]][] => [[0, 'multi'], ...order.map((k): [number, string, string] => [0, 'incr', k]), [0, 'exec'], [0, 'publish', 'ch', order[0]!]];
    const a = session(tx(['a', 'b']), [['x', 'embstr', 'v']]);
    const b = session(tx(['b', 'a']), [['x', 'raw', 'v']]);
    expect(diffModels(buildModel({ record: 'full' }, a), buildModel({ record: 'full' }, b)).equal).toBe(false);
    const options = { ignoreEncodings: true, ignoreTxOrder: true, ignoreCommands: ['publish'] };
    expect(diffModels(buildModel({ record: 'full' }, a, options), buildModel({ record: 'full' }, b, options)).equal).toBe(true);
  });

  it('compares what both traces hold, and says what it could not', () => {
    const result = diffModels(buildModel({ record: 'full' }, session([], [['x', 'embstr', 'v1']])), buildModel({ record: 'commands' }, session([], [['x', 'embstr', 'v2']])));
    expect(result.equal).toBe(true);
    expect(result.notes).toEqual(['RDB values were not compared: one trace holds none (below --record full, or --rdb keys); types, encodings and lengths were']);
    const renamed = diffModels(buildModel({ record: 'full' }, session([], [['x', 'embstr', 'v1']])), buildModel({ record: 'commands' }, session([], [['y', 'embstr', 'v1']])));
    expect(renamed.equal).toBe(false);
  });

  it('leaves the RDB out when a trace was recorded without its keys', () => {
    const a = buildModel({ record: 'full' }, session([[0, 'set', 'k', '1']], [['x', 'embstr', 'v1']]));
    const b = buildModel({ record: 'full', rdb: 'summary' }, session([[0, 'set', 'k', '1']], []));
    const result = diffModels(a, b);
    expect(result).toMatchObject({ equal: true, notes: ['RDB keys were not compared: a trace holds none (--record meta, or --rdb summary or none)'] });
    const changed = diffModels(a, buildModel({ record: 'full', rdb: 'summary' }, session([[0, 'set', 'k', '2']], [])));
    expect(changed.equal).toBe(false);
  });
});
