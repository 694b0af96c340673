import { seededGenerator } from '../random.js';
import type { RedisArg, RedisClient } from './redis-client.js';

/**
 * Expiry times (2100-01-01 on): absolute, so that the same workload gives the same data, digest
 * and trace on every run, and far enough that recorded fixtures never expire.
 */
const FAR_FUTURE_S = 4_102_444_800;

export interface WorkloadOptions {
  /** Client commands to send (a MULTI ... EXEC block counts as one). */
  commands: number;
  /** Databases to spread writes over (0 .. dbs-1). */
  dbs?: number;
  seed?: number;
  /** Commands sent per pipeline round trip. */
  batch?: number;
}

/**
 * Writes a mixed workload: strings, counters, hashes, lists, sets, sorted sets, streams, expiries,
 * MULTI/EXEC blocks, over several databases. Every command changes the dataset, so each one is
 * propagated to replicas.
 */
export async function writeMixedWorkload(client: RedisClient, options: WorkloadOptions): Promise<void> {
  const random = seededGenerator(options.seed ?? 1);
  const dbs = options.dbs ?? 4;
  const batch = options.batch ?? 100;
  let db = 0;
  let batchCommands: RedisArg[][] = [['SELECT', db]];
  for (let i = 0; i < options.commands; i++) {
    if (random() < 0.05) {
      db = Math.floor(random() * dbs);
      batchCommands.push(['SELECT', db]);
    }
    const key = `k${Math.floor(random() * 500)}`;
    const r = random();
    if (r < 0.2) batchCommands.push(['SET', `s:${key}`, `value-${i}-${'x'.repeat(Math.floor(random() * 40))}`]);
    else if (r < 0.3) batchCommands.push(['INCRBY', `n:${key}`, Math.floor(random() * 100)]);
    else if (r < 0.4) batchCommands.push(['HSET', `h:${key}`, `f${i % 17}`, `v${i}`]);
    else if (r < 0.5) batchCommands.push(['RPUSH', `l:${key}`, `e${i}`]);
    else if (r < 0.6) batchCommands.push(['SADD', `set:${key}`, `m${i % 97}`, `m${i}`]);
    else if (r < 0.7) batchCommands.push(['ZADD', `z:${key}`, (random() * 1000).toFixed(3), `m${i}`]);
    // Explicit stream ids keep runs identical; the seed in the key keeps two workloads on one server apart.
    else if (r < 0.77) batchCommands.push(['XADD', `x:${options.seed ?? 1}:${key}`, `${i + 1}-1`, 'i', i, 'v', key]);
    else if (r < 0.84) batchCommands.push(['SET', `e:${key}`, `expiring-${i}`, 'EXAT', FAR_FUTURE_S + i]);
    else if (r < 0.9) batchCommands.push(['SET', `u:${i}`, Buffer.from([0, 255, 13, 10, i & 255])]);
    else batchCommands.push(['MULTI'], ['SET', `t:${key}`, `${i}`], ['INCR', `tc:${key}`], ['HSET', `th:${key}`, 'f', `${i}`], ['EXEC']);
    if (batchCommands.length >= batch) {
      await client.pipeline(batchCommands);
      batchCommands = [];
    }
  }
  if (batchCommands.length > 0) await client.pipeline(batchCommands);
}

/** Creates one key of each type in several databases, some with expiries. */
export async function seedDataset(client: RedisClient, keysPerType = 50): Promise<void> {
  const commands: RedisArg[][] = [];
  for (const db of [0, 1, 5]) {
    commands.push(['SELECT', db]);
    for (let i = 0; i < keysPerType; i++) {
      commands.push(['SET', `str:${i}`, `value ${i}`]);
      commands.push(['SET', `int:${i}`, i * 1000]);
      commands.push(['HSET', `hash:${i}`, 'a', '1', 'b', `${i}`]);
      commands.push(['RPUSH', `list:${i}`, 'x', 'y', `${i}`]);
      commands.push(['SADD', `set:${i}`, 'a', 'b', `${i}`]);
      commands.push(['SADD', `intset:${i}`, 1, 2, i]);
      commands.push(['ZADD', `zset:${i}`, 1, 'a', 2.5, 'b']);
      commands.push(['XADD', `stream:${i}`, `${i + 1}-1`, 'field', `${i}`]);
      commands.push(['SET', `ttl:${i}`, 'soon', 'EXAT', FAR_FUTURE_S + i]);
    }
  }
  commands.push(['SELECT', 0]);
  await client.pipeline(commands);
}
