import type { ChildProcess } from 'node:child_process';
import { rmSync } from 'node:fs';
import { connect, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RedisServer } from '../src/servers/redis-server.js';
import { sleep, waitFor } from '../src/servers/wait.js';
import { percentiles } from '../src/trace/link-summary.js';
import { inRoundOrder, startRelay, TAP_KINDS, type RelayKind } from './relay.js';
import { redisBenchmarkSets } from './stream.js';

export interface LatencyRun {
  relay: RelayKind;
  /** Whether redis-benchmark was saturating the master while the probes went through. */
  loaded: boolean;
  probes: number;
  p50Us: number;
  p99Us: number;
  maxUs: number;
}

/** A probe's key: this prefix and the probe's number in this many digits. */
const PROBE_PREFIX = Buffer.from('probe:');
const PROBE_DIGITS = 7;
const PROBE_BYTES = PROBE_PREFIX.length + PROBE_DIGITS;
const EMPTY = Buffer.alloc(0);
/** How often the probe replica ACKs, as a replica does (once a second) but quicker. */
const ACK_INTERVAL_MS = 100;

/** Where a probe's key may begin that `bytes` ends before its end, or `bytes.length`. */
function partialProbeStart(bytes: Buffer): number {
  for (let at = Math.max(0, bytes.length - PROBE_BYTES + 1); at < bytes.length; at++) {
    const n = Math.min(PROBE_PREFIX.length, bytes.length - at);
    if (bytes.compare(PROBE_PREFIX, 0, n, at, at + n) === 0) return at;
  }
  return bytes.length;
}

/**
 * A replica of the bench's own: it asks the relay for a full sync and reads the raw stream that
 * follows, noting when each probe's key arrives (the read that completes it). Probe keys are the
 * only place `probe:` occurs: the master is empty but for them and redis-benchmark's `key:` keys.
 */
class ProbeReader {
  readonly arrivals = new Map<number, number>();
  private tail = EMPTY;

  // After a diskless RDB the master streams nothing until the replica's first ACK; the offset
  // acknowledged is of no use here, so it stays 0.
  private readonly acks = setInterval(() => this.socket.write('*3\r\n$8\r\nREPLCONF\r\n$3\r\nACK\r\n$1\r\n0\r\n'), ACK_INTERVAL_MS);

  private constructor(readonly socket: Socket) {
    socket.on('data', (chunk: Buffer) => this.read(chunk));
  }

  static async connect(port: number): Promise<ProbeReader> {
    const socket = connect({ host: '127.0.0.1', port });
    await new Promise<void>((resolve, reject) => {
      socket.once('connect', resolve);
      socket.once('error', reject);
    });
    socket.setNoDelay(true);
    socket.on('error', () => {});
    // One at a time, as a replica does: a master refuses a PSYNC sent while replies are pending.
    for (const command of ['*1\r\n$4\r\nPING\r\n', '*5\r\n$8\r\nREPLCONF\r\n$4\r\ncapa\r\n$3\r\neof\r\n$4\r\ncapa\r\n$6\r\npsync2\r\n']) {
      socket.write(command);
      const reply = await new Promise<Buffer>((resolve) => socket.once('data', resolve));
      if (reply[0] !== 0x2b) throw new Error(`the probe replica's handshake was refused: ${reply.toString('latin1').trim()}`);
    }
    socket.write('*3\r\n$5\r\nPSYNC\r\n$1\r\n?\r\n$2\r\n-1\r\n');
    return new ProbeReader(socket);
  }

  private read(chunk: Buffer): void {
    const now = performance.now();
    const bytes = this.tail.length === 0 ? chunk : Buffer.concat([this.tail, chunk]);
    let at = bytes.indexOf(PROBE_PREFIX);
    while (at !== -1 && at + PROBE_BYTES <= bytes.length) {
      const probe = Number(bytes.toString('latin1', at + PROBE_PREFIX.length, at + PROBE_BYTES));
      if (!this.arrivals.has(probe)) this.arrivals.set(probe, now);
      at = bytes.indexOf(PROBE_PREFIX, at + PROBE_BYTES);
    }
    // A probe's key may be split between two reads: keep what could be the start of one.
    const from = partialProbeStart(bytes);
    this.tail = from === bytes.length ? EMPTY : Buffer.from(bytes.subarray(from));
  }

  close(): void {
    clearInterval(this.acks);
    this.socket.destroy();
  }
}

/**
 * How long a command propagated by the master takes to reach a replica's socket through each
 * relay: the delay from just before a probe SET is written to the master until the read that
 * brings it to a replica reading the raw stream, one probe a millisecond. Idle (the probes alone)
 * and while redis-benchmark saturates the master as in the stream suite, so that the relay
 * forwards (and the tap decodes and records) a busy stream around the probes. With `warmUp`, that
 * many probes go first, unmeasured: the relay's code compiled, as in a relay that has run a while.
 */
export async function benchLatency(probes: number, rounds: number, kinds: RelayKind[], warmUp = 0): Promise<LatencyRun[]> {
  const runs: LatencyRun[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const loaded of [false, true]) {
      for (const kind of inRoundOrder(kinds, round)) {
        const master = await RedisServer.start({ name: 'bench-master', config: { 'repl-diskless-sync-delay': 0 } });
        const trace = join(tmpdir(), `repltap-bench-latency-${process.pid}.rtrace`);
        const relay = await startRelay(kind, master.port, TAP_KINDS.includes(kind) ? trace : null);
        let reader: ProbeReader | null = null;
        let load: ChildProcess | null = null;
        try {
          reader = await ProbeReader.connect(relay.port);
          await waitFor('the probe replica to sync', 30_000, async () => (await master.info()).slave0?.includes('state=online') ?? false);
          // Online, the master still holds the stream until the replica's next ACK: probes sent
          // before it would wait for it (up to an ACK interval), whatever the relay.
          await sleep(2 * ACK_INTERVAL_MS);
          if (loaded) {
            load = redisBenchmarkSets(master.port, 100_000_000);
            await sleep(300);
          }
          const sent = new Map<number, number>();
          for (let probe = 0; probe < warmUp + probes; probe++) {
            sent.set(probe, performance.now());
            await master.client.call('SET', `probe:${String(probe).padStart(PROBE_DIGITS, '0')}`, '1');
            await sleep(1);
          }
          const last = warmUp + probes - 1;
          const arrived = reader;
          await waitFor('the last probe to arrive', 30_000, async () => arrived.arrivals.has(last), 5);
          const delays: number[] = [];
          for (let probe = warmUp; probe <= last; probe++) {
            const at = arrived.arrivals.get(probe);
            if (at === undefined) throw new Error(`${kind}: probe ${probe} never arrived`);
            delays.push((at - sent.get(probe)!) * 1000);
          }
          const spread = percentiles(delays);
          if (spread === null) throw new Error(`${kind}: no probe measured (--probes ${probes})`);
          const run: LatencyRun = { relay: kind, loaded, probes, p50Us: spread.p50, p99Us: spread.p99, maxUs: spread.max };
          runs.push(run);
          process.stderr.write(`latency via ${kind}${loaded ? ', master saturated' : ''}: p50 ${run.p50Us.toFixed(0)} µs, p99 ${run.p99Us.toFixed(0)} µs, max ${run.maxUs.toFixed(0)} µs\n`);
        } finally {
          load?.kill('SIGKILL');
          reader?.close();
          await relay.stop();
          await master.stop();
          rmSync(trace, { force: true });
        }
      }
    }
  }
  return runs;
}
