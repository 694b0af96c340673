import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer } from '../src/servers/redis-server.js';
import type { RecordLevel } from '../src/link/events.js';
import { waitFor } from '../src/servers/wait.js';
import { inRoundOrder, startRelay, TAP_KINDS, type RelayKind } from './relay.js';

export interface StreamRun {
  relay: RelayKind;
  commands: number;
  benchmarkSeconds: number;
  /** Largest gap between master_repl_offset and the replica's applied offset seen while writing. */
  maxLagBytes: number;
  /** Time from the end of the writes until the replica applied the master's offset. */
  drainMs: number;
  relayCpuSeconds: number;
  relayPeakRssMiB: number;
  /** Size of the trace the relay wrote, once it stopped (null for relays that write none). */
  traceMiB: number | null;
}

/** redis-benchmark saturating a master with pipelined SETs of 32-byte values to 100,000 keys. */
export function redisBenchmarkSets(port: number, commands: number): ChildProcess {
  return spawn('redis-benchmark', ['-p', String(port), '-t', 'set', '-n', String(commands), '-P', '32', '-c', '4', '-r', '100000', '-d', '32', '-q'], { stdio: 'ignore' });
}

function redisBenchmark(port: number, commands: number): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = redisBenchmarkSets(port, commands);
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`redis-benchmark exited ${code}`))));
  });
}

async function caughtUp(master: RedisServer, replica: RedisServer): Promise<void> {
  const offset = Number((await master.info()).master_repl_offset);
  await waitFor('the replica to catch up', 120_000, async () => Number((await replica.info()).master_repl_offset) >= offset, 5);
}

/**
 * redis-benchmark saturating the master with pipelined SETs while a replica follows through each
 * relay. With `warmUp`, that many commands go through each relay first, unmeasured: what a relay
 * costs per command once its code is compiled, apart from the one-time cost of compiling it.
 */
export async function benchStream(commands: number, rounds: number, kinds: RelayKind[], warmUp = 0, record?: RecordLevel): Promise<StreamRun[]> {
  const runs: StreamRun[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const kind of inRoundOrder(kinds, round)) {
      const master = await RedisServer.start({ name: 'bench-master', config: { 'repl-backlog-size': '256mb' } });
      const replica = await RedisServer.start({ name: 'bench-replica' });
      const trace = join(tmpdir(), `repltap-bench-stream-${process.pid}.rtrace`);
      const tracing = TAP_KINDS.includes(kind);
      const relay = await startRelay(kind, master.port, tracing ? trace : null, record);
      let run: StreamRun | null = null;
      try {
        await replica.client.call('REPLICAOF', '127.0.0.1', relay.port);
        await waitFor('the replica to sync', 30_000, async () => (await replica.info()).master_link_status === 'up');
        if (warmUp > 0) {
          await redisBenchmark(master.port, warmUp);
          await caughtUp(master, replica);
        }
        const cpuBefore = relay.cpu();
        let maxLag = 0;
        let writing = true;
        const sampler = (async () => {
          while (writing) {
            const offset = Number((await master.info()).master_repl_offset);
            const applied = Number((await replica.info()).master_repl_offset);
            maxLag = Math.max(maxLag, offset - applied);
            await new Promise((r) => setTimeout(r, 25));
          }
        })();
        const start = performance.now();
        await redisBenchmark(master.port, commands);
        const benchmarkSeconds = (performance.now() - start) / 1000;
        writing = false;
        await sampler;
        const drainStart = performance.now();
        await caughtUp(master, replica);
        const drainMs = performance.now() - drainStart;
        run = { relay: kind, commands, benchmarkSeconds, maxLagBytes: maxLag, drainMs, relayCpuSeconds: relay.cpu() - cpuBefore, relayPeakRssMiB: relay.peakRss(), traceMiB: null };
      } finally {
        await relay.stop();
        if (run !== null) {
          if (tracing) run.traceMiB = statSync(trace).size / 2 ** 20;
          runs.push(run);
          process.stderr.write(`stream ${commands} SETs via ${kind}: ${run.benchmarkSeconds.toFixed(2)} s, max lag ${run.maxLagBytes} B, drain ${run.drainMs.toFixed(0)} ms, relay CPU ${run.relayCpuSeconds.toFixed(2)} s${run.traceMiB === null ? '' : `, trace ${run.traceMiB.toFixed(1)} MiB`}\n`);
        }
        await replica.stop();
        await master.stop();
        rmSync(trace, { force: true });
      }
    }
  }
  return runs;
}
