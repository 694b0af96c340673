import type { Tap } from '../tap/tap.js';
import type { RedisServer } from './redis-server.js';
import { waitFor } from './wait.js';

/**
 * Waits until the replica, linked to the master through the tap, holds the master's replication
 * offset and the tap has seen it acknowledge that offset; returns the offset.
 */
export function waitCaughtUp(master: RedisServer, replica: RedisServer, tap: Tap, timeoutMs = 60_000): Promise<number> {
  return waitFor('the replica to catch up with the master and acknowledge it', timeoutMs, async () => {
    const offset = Number((await master.info()).master_repl_offset);
    const status = await replica.info();
    const caughtUp = status.master_link_status === 'up' && Number(status.master_repl_offset) === offset && tap.links().some((l) => l.ackOffset === offset);
    return caughtUp ? offset : undefined;
  });
}

/** Waits until the master lists a replica (the first) as online: it streams to it. */
export async function waitReplicaOnline(master: RedisServer, timeoutMs = 30_000): Promise<void> {
  await waitFor('a replica to be online at the master', timeoutMs, async () => (await master.info()).slave0?.includes('state=online'));
}

/** Waits until the master's first replica has acknowledged the master's current offset; returns it. */
export function waitReplicaAcked(master: RedisServer, timeoutMs = 30_000): Promise<number> {
  return waitFor('the replica to acknowledge the whole stream', timeoutMs, async () => {
    const info = await master.info();
    const offset = Number(info.master_repl_offset);
    return info.slave0?.includes(`offset=${offset},`) ? offset : undefined;
  });
}
