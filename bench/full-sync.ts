import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer } from '../src/servers/redis-server.js';
import { waitFor } from '../src/servers/wait.js';
import { inRoundOrder, startRelay, TAP_KINDS, type Relay, type RelayKind } from './relay.js';

export interface FullSyncRun {
  relay: RelayKind;
  seconds: number;
  relayCpuSeconds: number;
  /**
   * The same relay process serving the full sync of a second, empty replica right after: the cost
   * of a relay that has run a while (for Node, code already optimised by the JIT), not of one just started.
   */
  secondSeconds: number;
  secondRelayCpuSeconds: number;
  relayPeakRssMiB: number;
  /** Size of the trace the relay wrote, once it stopped (null for relays that write none). */
  traceMiB: number | null;
}

/**
 * One full sync of `sizeMiB` of values, `valueBytes` each (rdbcompression off, so the RDB is about
 * that big), per relay kind and round, interleaved in an order shuffled round by round
 * (`inRoundOrder`) so that machine noise hits every kind alike, then a second through the same
 * relay process. Small values make a sync of many keys, where decoding and recording each key
 * costs the most.
 */
export async function benchFullSync(sizeMiB: number, rounds: number, kinds: RelayKind[], valueBytes = 1024): Promise<FullSyncRun[]> {
  const master = await RedisServer.start({
    name: 'bench-master',
    config: { 'repl-diskless-sync': 'yes', 'repl-diskless-sync-delay': 0, rdbcompression: 'no', 'repl-timeout': 300 },
  });
  const runs: FullSyncRun[] = [];
  try {
    await master.client.call('DEBUG', 'POPULATE', Math.round((sizeMiB * 2 ** 20) / valueBytes), 'bench', valueBytes);
    for (let round = 0; round < rounds; round++) {
      for (const kind of inRoundOrder(kinds, round)) {
        const trace = join(tmpdir(), `repltap-bench-${process.pid}.rtrace`);
        const replicas: RedisServer[] = [];
        const tracing = TAP_KINDS.includes(kind);
        const relay = await startRelay(kind, master.port, tracing ? trace : null);
        let run: FullSyncRun | null = null;
        try {
          const first = await fullSyncThrough(relay, replicas);
          const second = await fullSyncThrough(relay, replicas);
          run = { relay: kind, seconds: first.seconds, relayCpuSeconds: first.cpu, secondSeconds: second.seconds, secondRelayCpuSeconds: second.cpu, relayPeakRssMiB: relay.peakRss(), traceMiB: null };
        } finally {
          await relay.stop();
          if (run !== null) {
            if (tracing) run.traceMiB = statSync(trace).size / 2 ** 20;
            runs.push(run);
            process.stderr.write(
              `full sync ${sizeMiB} MiB via ${kind}: ${run.seconds.toFixed(2)} s, relay CPU ${run.relayCpuSeconds.toFixed(2)} s; second sync ${run.secondSeconds.toFixed(2)} s, relay CPU ${run.secondRelayCpuSeconds.toFixed(2)} s; peak RSS ${run.relayPeakRssMiB.toFixed(0)} MiB${run.traceMiB === null ? '' : `, trace ${run.traceMiB.toFixed(1)} MiB`}\n`,
            );
          }
          for (const replica of replicas) await replica.stop();
          rmSync(trace, { force: true });
        }
      }
    }
  } finally {
    await master.stop();
  }
  return runs;
}

/** Starts an empty replica (added to `replicas`, for the caller to stop), and times its full sync through `relay`. */
async function fullSyncThrough(relay: Relay, replicas: RedisServer[]): Promise<{ seconds: number; cpu: number }> {
  const replica = await RedisServer.start({ name: 'bench-replica', config: { 'repl-timeout': 300 } });
  replicas.push(replica);
  const cpuBefore = relay.cpu();
  const start = performance.now();
  await replica.client.call('REPLICAOF', '127.0.0.1', relay.port);
  await waitFor('the full sync', 600_000, async () => {
    const info = await replica.info();
    return info.master_link_status === 'up' && info.master_sync_in_progress === '0';
  }, 20);
  return { seconds: (performance.now() - start) / 1000, cpu: relay.cpu() - cpuBefore };
}
