import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer } from '../src/servers/redis-server.js';
import { waitFor } from '../src/servers/wait.js';
import { startRelay, TAP_KINDS, type RelayKind } from './relay.js';

export interface FullSyncRun {
  relay: RelayKind;
  seconds: number;
  relayCpuSeconds: number;
  relayPeakRssMiB: number;
  /** Size of the trace the relay wrote, once it stopped (null for relays that write none). */
  traceMiB: number | null;
}

/**
 * One full sync of `sizeMiB` of values, `valueBytes` each (rdbcompression off, so the RDB is about
 * that big), per relay kind and round, interleaved so that machine noise hits every kind alike.
 * Small values make a sync of many keys, where decoding and recording each key costs the most.
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
      for (const kind of kinds) {
        const trace = join(tmpdir(), `repltap-bench-${process.pid}.rtrace`);
        const replica = await RedisServer.start({ name: 'bench-replica', config: { 'repl-timeout': 300 } });
        const tracing = TAP_KINDS.includes(kind);
        const relay = await startRelay(kind, master.port, tracing ? trace : null);
        let run: FullSyncRun | null = null;
        try {
          const cpuBefore = relay.cpu();
          const start = performance.now();
          await replica.client.call('REPLICAOF', '127.0.0.1', relay.port);
          await waitFor('the full sync', 600_000, async () => {
            const info = await replica.info();
            return info.master_link_status === 'up' && info.master_sync_in_progress === '0';
          }, 20);
          const seconds = (performance.now() - start) / 1000;
          run = { relay: kind, seconds, relayCpuSeconds: relay.cpu() - cpuBefore, relayPeakRssMiB: relay.peakRss(), traceMiB: null };
        } finally {
          await relay.stop();
          if (run !== null) {
            if (tracing) run.traceMiB = statSync(trace).size / 2 ** 20;
            runs.push(run);
            process.stderr.write(`full sync ${sizeMiB} MiB via ${kind}: ${run.seconds.toFixed(2)} s, relay CPU ${run.relayCpuSeconds.toFixed(2)} s, peak RSS ${run.relayPeakRssMiB.toFixed(0)} MiB${run.traceMiB === null ? '' : `, trace ${run.traceMiB.toFixed(1)} MiB`}\n`);
          }
          await replica.stop();
          rmSync(trace, { force: true });
        }
      }
    }
  } finally {
    await master.stop();
  }
  return runs;
}
