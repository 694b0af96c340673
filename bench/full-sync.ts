import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer } from '../src/servers/redis-server.js';
import { waitFor } from '../src/servers/wait.js';
import { inRoundOrder, startRelay, TAP_KINDS, type Relay, type RelayKind } from './relay.js';

export interface FullSyncRun {
  relay: RelayKind;
  /**
   * The full syncs one relay process served, of empty replicas one after the other: the first is
   * the cost of a relay just started, the later ones of a relay that has run a while (for Node, code
   * the JIT has optimised by then).
   */
  syncs: { seconds: number; relayCpuSeconds: number }[];
  relayPeakRssMiB: number;
  /** Size of the trace the relay wrote, once it stopped (null for relays that write none). */
  traceMiB: number | null;
}

/**
 * Full syncs of `sizeMiB` of values, `valueBytes` each (rdbcompression off, so the RDB is about
 * that big): `syncs` in a row through one relay process, per relay kind and round, the kinds
 * interleaved in an order shuffled round by round (`inRoundOrder`) so that machine noise hits
 * every kind alike. Small values make a sync of many keys, where decoding and recording each key
 * costs the most.
 */
export async function benchFullSync(sizeMiB: number, rounds: number, kinds: RelayKind[], valueBytes = 1024, syncs = 2): Promise<FullSyncRun[]> {
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
        const tracing = TAP_KINDS.includes(kind);
        const relay = await startRelay(kind, master.port, tracing ? trace : null);
        let run: FullSyncRun | null = null;
        try {
          const done: FullSyncRun['syncs'] = [];
          for (let n = 0; n < syncs; n++) done.push(await fullSyncThrough(relay));
          run = { relay: kind, syncs: done, relayPeakRssMiB: relay.peakRss(), traceMiB: null };
        } finally {
          await relay.stop();
          if (run !== null) {
            if (tracing) run.traceMiB = statSync(trace).size / 2 ** 20;
            runs.push(run);
            const each = run.syncs.map((s, n) => `sync ${n + 1} ${s.seconds.toFixed(2)} s, relay CPU ${s.relayCpuSeconds.toFixed(2)} s`).join('; ');
            process.stderr.write(`full sync ${sizeMiB} MiB via ${kind}: ${each}; peak RSS ${run.relayPeakRssMiB.toFixed(0)} MiB${run.traceMiB === null ? '' : `, trace ${run.traceMiB.toFixed(1)} MiB`}\n`);
          }
          rmSync(trace, { force: true });
        }
      }
    }
  } finally {
    await master.stop();
  }
  return runs;
}

/**
 * Starts an empty replica, times its full sync through `relay`, and stops it: every sync of a relay
 * runs beside the same servers (with the earlier replicas kept, the later syncs ran up to twice as
 * long, socat's included).
 */
async function fullSyncThrough(relay: Relay): Promise<{ seconds: number; relayCpuSeconds: number }> {
  const replica = await RedisServer.start({ name: 'bench-replica', config: { 'repl-timeout': 300 } });
  try {
    const cpuBefore = relay.cpu();
    const start = performance.now();
    await replica.client.call('REPLICAOF', '127.0.0.1', relay.port);
    await waitFor('the full sync', 600_000, async () => {
      const info = await replica.info();
      return info.master_link_status === 'up' && info.master_sync_in_progress === '0';
    }, 20);
    return { seconds: (performance.now() - start) / 1000, relayCpuSeconds: relay.cpu() - cpuBefore };
  } finally {
    await replica.stop();
  }
}
