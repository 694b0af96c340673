import { startCapture } from '../replay/capture.js';
import { waitReplicaAcked, waitReplicaOnline } from './caught-up.js';
import { RedisServer } from './redis-server.js';
import { seedDataset, writeMixedWorkload } from './workload.js';

export interface GoldenSessionOptions {
  trace: string;
  redisServer?: string;
  /** Master configuration beyond the defaults (e.g. repl-diskless-sync no). */
  config?: Record<string, string | number>;
  /** Keys per type and database in the snapshot, and client commands in the stream. */
  keysPerType?: number;
  commands?: number;
  /** A deliberate difference, for testing diff: one extra command, or one value changed. */
  variant?: 'extra-command' | 'changed-value';
}

export interface GoldenSession {
  /** DEBUG DIGEST of the master when the capture ended: what a replica of the replay must hold. */
  digest: string;
  offset: number;
  commands: number;
  redisVersion: string;
}

/**
 * One deterministic replication session, captured: a master with a seeded dataset (the RDB), a
 * capture that syncs from it, then a seeded workload (the stream), stopped once the capture has
 * acknowledged all of it. Run twice, it gives traces that `repltap diff` finds equal.
 */
export async function recordGoldenSession(options: GoldenSessionOptions): Promise<GoldenSession> {
  const master = await RedisServer.start({ binary: options.redisServer, name: 'golden-master', config: { 'repl-diskless-sync-delay': 0, ...options.config } });
  try {
    await seedDataset(master.client, options.keysPerType ?? 20);
    const capture = startCapture({ master: master.address, trace: options.trace, listeningPort: 6380 });
    await waitReplicaOnline(master);
    await writeMixedWorkload(master.client, { commands: options.commands ?? 1000, seed: 7 });
    await master.client.call('SET', 'golden:last', options.variant === 'changed-value' ? 'changed' : 'original');
    if (options.variant === 'extra-command') await master.client.call('SET', 'golden:extra', 'one more');
    const offset = await waitReplicaAcked(master);
    capture.stop('the golden session ended');
    const result = await capture.done;
    const server = await master.info('server');
    return { digest: await master.digest(), offset, commands: result.commands, redisVersion: server.redis_version ?? '?' };
  } finally {
    await master.stop();
  }
}
