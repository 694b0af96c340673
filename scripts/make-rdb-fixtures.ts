/**
 * Makes RDB fixtures with a real redis-server: every type in every encoding this server writes,
 * and for each file the expected content as the server itself reports it (TYPE, OBJECT ENCODING,
 * PEXPIRETIME, and the value read back with GET / LRANGE / SMEMBERS / ZRANGE / HGETALL / XRANGE /
 * XINFO), never from repltap's decoder.
 *
 *   npm run fixtures:rdb        (needs redis-server on PATH; rewrites fixtures/rdb/)
 */
import { copyFileSync, mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { RedisServer } from '../src/servers/redis-server.js';
import type { RedisArg, RedisReply } from '../src/servers/redis-client.js';
import type { RdbFixture } from '../test/support/rdb-fixture.js';

const outDir = join(import.meta.dirname, '..', 'fixtures', 'rdb');

interface Variant {
  name: string;
  description: string;
  config: Record<string, string | number>;
  /** Run on the server before writing (DEBUG settings). */
  setup?: RedisArg[][];
}

const EXPIRY = 4_102_444_800_000; // 2100-01-01, so the keys never expire while fixtures are made

function text(reply: RedisReply): string {
  return Buffer.isBuffer(reply) ? reply.toString('utf8') : String(reply);
}

/** The dataset: each type with small (compact encodings) and large (hash tables, skiplists) members. */
function dataset(): RedisArg[][] {
  const commands: RedisArg[][] = [];
  for (const db of [0, 3]) {
    commands.push(['SELECT', db]);
    commands.push(['SET', `str:raw:${db}`, 'hello world']);
    commands.push(['SET', `str:int:${db}`, '12345']);
    commands.push(['SET', `str:neg:${db}`, '-99']);
    commands.push(['SET', `str:lzf:${db}`, 'abc'.repeat(200)]);
    commands.push(['SET', `str:bin:${db}`, Buffer.from([0, 1, 2, 255, 254, 13, 10])]);
    commands.push(['SET', `str:ttl:${db}`, 'soon', 'PXAT', EXPIRY]);
    commands.push(['RPUSH', `list:small:${db}`, 'a', 'b', '1', '-2', '300000', 'c'.repeat(30)]);
    commands.push(['RPUSH', `list:long:${db}`, ...Array.from({ length: 300 }, (_, i) => `item-${i}-${'z'.repeat(i % 50)}`)]);
    commands.push(['RPUSH', `list:big-elements:${db}`, 'x'.repeat(500), 'small', 'y'.repeat(700)]);
    commands.push(['SADD', `set:ints:${db}`, 1, 2, 3, -7, 65536, 4294967296]);
    commands.push(['SADD', `set:strings:${db}`, 'alpha', 'beta', 'gamma', 42]);
    commands.push(['SADD', `set:large:${db}`, ...Array.from({ length: 200 }, (_, i) => `member-${i}`)]);
    commands.push(['ZADD', `zset:small:${db}`, 1, 'one', 2.5, 'two-and-a-half', -3, 'minus-three', 'inf', 'top']);
    commands.push(['ZADD', `zset:large:${db}`, ...Array.from({ length: 200 }, (_, i) => [i * 1.5, `m${i}`]).flat()]);
    commands.push(['HSET', `hash:small:${db}`, 'f1', 'v1', 'f2', '2', 'f3', 'v'.repeat(40)]);
    commands.push(['HSET', `hash:large:${db}`, ...Array.from({ length: 200 }, (_, i) => [`field-${i}`, `value-${i}`]).flat()]);
    commands.push(['HSET', `hash:ttl:${db}`, 'f', 'v']);
    commands.push(['PEXPIREAT', `hash:ttl:${db}`, EXPIRY]);
    for (let i = 1; i <= 5; i++) commands.push(['XADD', `stream:${db}`, `${1700000000000 + i}-${i}`, 'field', `v${i}`, 'n', i]);
    commands.push(['XADD', `stream:${db}`, '1700000000010-0', 'other', 'shape']);
    commands.push(['XDEL', `stream:${db}`, '1700000000002-2']);
    commands.push(['XGROUP', 'CREATE', `stream:${db}`, 'readers', '0']);
    commands.push(['XREADGROUP', 'GROUP', 'readers', 'alice', 'COUNT', 2, 'STREAMS', `stream:${db}`, '>']);
    commands.push(['XREADGROUP', 'GROUP', 'readers', 'bob', 'COUNT', 1, 'STREAMS', `stream:${db}`, '>']);
    commands.push(['XGROUP', 'CREATE', `stream:${db}`, 'idle-group', '$']);
  }
  commands.push(['SELECT', 0]);
  commands.push(['FUNCTION', 'LOAD', "#!lua name=fixturelib\nredis.register_function('fixture_echo', function(keys, args) return args[1] end)"]);
  return commands;
}

async function expected(server: RedisServer): Promise<RdbFixture['expected']> {
  const c = server.client;
  const keys: RdbFixture['expected']['keys'] = [];
  for (const db of [0, 3]) {
    await c.call('SELECT', db);
    const names = ((await c.call('KEYS', '*')) as RedisReply[]).map(text).sort();
    for (const key of names) {
      const type = text(await c.call('TYPE', key));
      const encoding = text(await c.call('OBJECT', 'ENCODING', key));
      const pexpiretime = Number(await c.call('PEXPIRETIME', key));
      let value: unknown;
      switch (type) {
        case 'string': {
          // Hex from the server itself: the client decodes replies as UTF-8, which would mangle binary values.
          const hex = text(await c.call('EVAL', "return (redis.call('GET', KEYS[1]):gsub('.', function(c) return string.format('%02x', c:byte()) end))", 1, key));
          value = Buffer.from(hex, 'hex').toString('base64');
          break;
        }
        case 'list':
          value = ((await c.call('LRANGE', key, 0, -1)) as RedisReply[]).map(text);
          break;
        case 'set':
          value = ((await c.call('SMEMBERS', key)) as RedisReply[]).map(text).sort();
          break;
        case 'zset': {
          const flat = ((await c.call('ZRANGE', key, 0, -1, 'WITHSCORES')) as RedisReply[]).map(text);
          const pairs: string[] = [];
          for (let i = 0; i < flat.length; i += 2) pairs.push(`${flat[i]}=${Number(flat[i + 1] === 'inf' ? Infinity : flat[i + 1])}`);
          value = pairs.sort();
          break;
        }
        case 'hash': {
          const flat = ((await c.call('HGETALL', key)) as RedisReply[]).map(text);
          const pairs: string[] = [];
          for (let i = 0; i < flat.length; i += 2) pairs.push(`${flat[i]}=${flat[i + 1]}`);
          value = pairs.sort();
          break;
        }
        case 'stream': {
          const entries = (await c.call('XRANGE', key, '-', '+')) as [RedisReply, RedisReply[]][];
          const groups = (await c.call('XINFO', 'GROUPS', key)) as RedisReply[][];
          value = {
            entries: entries.map(([id, fields]) => `${text(id)}:${fields.map(text).join(',')}`),
            groups: groups.map((g) => {
              const info: Record<string, string> = {};
              for (let i = 0; i < g.length; i += 2) info[text(g[i]!)] = text(g[i + 1]!);
              return { name: info.name, pending: Number(info.pending), consumers: Number(info.consumers), lastId: info['last-delivered-id'] };
            }),
          };
          break;
        }
      }
      keys.push({ db, key, type, encoding, expiry: pexpiretime > 0 ? pexpiretime : null, value });
    }
  }
  await c.call('SELECT', 0);
  const functions = ((await c.call('FUNCTION', 'LIST')) as RedisReply[][]).length;
  return { keys, functions };
}

const variants: Variant[] = [
  {
    name: 'compact-encodings',
    description: 'default limits: listpack hashes and sorted sets, intset and hashtable sets, quicklist 2 lists (packed nodes), LZF strings, checksum on',
    config: {},
  },
  {
    name: 'large-encodings',
    description: 'listpack limits at 0: hashtable hashes, skiplist sorted sets, hashtable sets; lists in many small nodes',
    config: { 'hash-max-listpack-entries': 0, 'zset-max-listpack-entries': 0, 'set-max-intset-entries': 0, 'list-max-listpack-size': 4 },
  },
  {
    name: 'plain-nodes-uncompressed',
    description: 'quicklist plain nodes for elements over 100 bytes (DEBUG QUICKLIST-PACKED-THRESHOLD), rdbcompression no',
    config: { rdbcompression: 'no' },
    setup: [['DEBUG', 'QUICKLIST-PACKED-THRESHOLD', 100]],
  },
  {
    name: 'no-checksum',
    description: 'rdbchecksum no: the trailer is zero (checksum disabled)',
    config: { rdbchecksum: 'no' },
  },
];

mkdirSync(outDir, { recursive: true });
for (const variant of variants) {
  const server = await RedisServer.start({ name: 'rdb-fixture', config: variant.config });
  try {
    for (const command of variant.setup ?? []) await server.client.call(...command);
    await server.client.pipeline(dataset());
    const want = await expected(server);
    const version = (await server.info('server')).redis_version ?? '?';
    await server.client.call('SAVE');
    copyFileSync(join(server.dir, 'dump.rdb'), join(outDir, `${variant.name}.rdb`));
    const fixture: RdbFixture = { name: variant.name, description: variant.description, redisVersion: version, config: variant.config, expected: want };
    writeFileSync(join(outDir, `${variant.name}.json`), `${JSON.stringify(fixture, null, 1)}\n`);
    console.log(`${variant.name}: ${want.keys.length} keys, encodings ${[...new Set(want.keys.map((k) => `${k.type}/${k.encoding}`))].join(' ')}`);
  } finally {
    await server.stop();
  }
}
