/**
 * repltap benchmarks, side by side in one run (this machine is noisy: compare ratios, not absolutes).
 *
 *   npm run bench                              all suites with the default sizes
 *   npm run bench -- --suite decoder           in-process decoder and trace encoding cost (--chunk-bytes N; the RDB: --size-mib, --value-bytes;
 *                                              with REPLTAP_BENCH_BASELINE, the earlier build's command runs and RDB keys beside this build's)
 *   npm run bench -- --suite fullsync --size-mib 300 --rounds 3 [--value-bytes 1024] [--syncs 2]
 *   npm run bench -- --suite stream --commands 1000000 --rounds 3 [--breakdown] [--warm-up 1000000] [--record full]
 *   npm run bench -- --suite latency --probes 2000 [--warm-up 3000]   how long a propagated command takes to reach
 *                                              a replica through each relay, idle and with the master saturated
 *   npm run bench -- --suite summary --frames 2000000   what `inspect` holds for a link with no ACK (with
 *                                              REPLTAP_BENCH_BASELINE, the earlier build's beside this build's)
 *   npm run bench -- --suite read --commands 1000000     reading a trace through and summarising it, as inspect
 *                                              does (with REPLTAP_BENCH_BASELINE, the earlier build's beside this build's)
 *   ... --relays tap,node-pipe                 live suites: only these relays (and direct and socat)
 *
 * Prints a Markdown report on stdout (progress on stderr) to paste into BENCHMARKS.md.
 */
import { parseArgs } from 'node:util';
import { readFileSync } from 'node:fs';
import { cpus } from 'node:os';
import { benchDecoder, benchRdbPayload, decoderBuilds } from './decoder.js';
import { benchFullSync, type FullSyncRun } from './full-sync.js';
import { benchRdb, IN_PROCESS } from './rdb.js';
import { benchStream, type StreamRun } from './stream.js';
import { benchLatency, type LatencyRun } from './latency.js';
import { benchSummaryMemory } from './summary.js';
import { benchRead } from './read.js';
import { relayKinds, type RelayKind } from './relay.js';
import { RECORD_LEVELS } from '../src/cli/parse-options.js';
import type { RecordLevel } from '../src/link/events.js';

const { values } = parseArgs({
  options: {
    suite: { type: 'string', default: 'decoder,fullsync,stream,latency,rdb,summary,read' },
    'rdb-keys': { type: 'string', default: '1200000' },
    'size-mib': { type: 'string', default: '300' },
    // Full sync: the size of each value (DEBUG POPULATE); small values make many keys.
    'value-bytes': { type: 'string', default: '1024' },
    // Full sync: how many syncs each relay process serves in a row (the later ones: a relay that has run a while).
    syncs: { type: 'string', default: '2' },
    rounds: { type: 'string', default: '3' },
    commands: { type: 'string', default: '1000000' },
    // The stream suite's master sends about 8.6 KB per write, which is what the tap reads at a time.
    'chunk-bytes': { type: 'string', default: '8622' },
    // Also run the tap taken apart: Node reads alone, plus decoding, plus the trace (bench/node-decode.ts).
    breakdown: { type: 'boolean', default: false },
    // Stream: send this many commands through each relay before measuring (JIT warm-up left out);
    // latency: this many probes.
    'warm-up': { type: 'string', default: '0' },
    // Stream: the --record level of the repltap relays (their own default when not given).
    record: { type: 'string' },
    // Live suites: only these relays besides direct and socat, which every ratio refers to.
    relays: { type: 'string' },
    // Latency: probe SETs per relay and load, one a millisecond.
    probes: { type: 'string', default: '2000' },
    // Summary: stream frames fed to the link summarizer with no ACK.
    frames: { type: 'string', default: '2000000' },
  },
});
const suites = new Set(values.suite.split(','));

/** The relays a live suite compares: `relayKinds`, narrowed by `--relays` to those named there, direct and socat. */
function liveRelays(options: { rdb: boolean; breakdown: boolean }): RelayKind[] {
  const all = relayKinds(options);
  if (values.relays === undefined) return all;
  const named = values.relays.split(',');
  const unknown = named.filter((k) => !all.some((kind) => kind === k));
  if (unknown.length > 0) throw new Error(`--relays ${unknown.join(',')}: give some of ${all.join(', ')}`);
  return all.filter((kind) => kind === 'direct' || kind === 'socat' || named.includes(kind));
}
const rounds = Number(values.rounds);

function parseRecordLevel(value: string): RecordLevel {
  const level = RECORD_LEVELS.find((l) => l === value);
  if (level === undefined) throw new Error(`--record ${value}: give one of ${RECORD_LEVELS.join(', ')}`);
  return level;
}

/**
 * The CPU's family and model from /proc/cpuinfo, where the model name alone ("AMD EPYC") does not
 * tell one generation from the next: figures from different generations do not compare.
 */
function cpuGeneration(): string {
  try {
    const info = readFileSync('/proc/cpuinfo', 'utf8');
    const family = /^cpu family\s*:\s*(\d+)/m.exec(info)?.[1];
    const model = /^model\s*:\s*(\d+)/m.exec(info)?.[1];
    return family === undefined || model === undefined ? '' : ` (family ${family}, model ${model})`;
  } catch {
    return '';
  }
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s.length % 2 ? s[(s.length - 1) / 2]! : (s[s.length / 2 - 1]! + s[s.length / 2]!) / 2;
}

function by<T extends { relay: RelayKind }>(runs: T[], kind: RelayKind, pick: (r: T) => number): number {
  return median(runs.filter((r) => r.relay === kind).map(pick));
}

const out: string[] = [];
out.push(`Machine: ${cpus().length} × ${cpus()[0]?.model ?? '?'}${cpuGeneration()}, Node ${process.version}; medians of ${rounds} interleaved rounds.`, '');

if (suites.has('decoder')) {
  const chunkBytes = Number(values['chunk-bytes']);
  const builds = await decoderBuilds();
  const results = benchDecoder(Number(values.commands), chunkBytes, rounds, builds);
  out.push(`### Decoder (in-process, redis-benchmark-like SET stream in chunks of ${chunkBytes} bytes)`, '', '| variant | ns/command | MB/s | rounds, ns/command |', '| --- | ---: | ---: | --- |');
  for (const variant of [...new Set(results.map((r) => r.variant))]) {
    const rs = results.filter((r) => r.variant === variant);
    out.push(`| ${variant} | ${median(rs.map((r) => r.nsPerCommand)).toFixed(0)} | ${median(rs.map((r) => r.mbPerSecond)).toFixed(0)} | ${rs.map((r) => r.nsPerCommand.toFixed(0)).join(', ')} |`);
  }
  out.push('');
  const size = Number(values['size-mib']);
  const valueBytes = Number(values['value-bytes']);
  const payload = benchRdbPayload(size, valueBytes, rounds, builds);
  out.push(`### Decoder (in-process, the full-sync suite's RDB: ${payload[0]!.keys} keys of ${valueBytes} bytes, in chunks of 64 KiB)`, '', '| variant | ms per payload | ns/key | rounds, ns/key |', '| --- | ---: | ---: | --- |');
  for (const variant of [...new Set(payload.map((r) => r.variant))]) {
    const rs = payload.filter((r) => r.variant === variant);
    out.push(`| ${variant} | ${median(rs.map((r) => r.msPerPayload)).toFixed(0)} | ${median(rs.map((r) => r.nsPerKey)).toFixed(0)} | ${rs.map((r) => r.nsPerKey.toFixed(0)).join(', ')} |`);
  }
  out.push('');
}

if (suites.has('fullsync')) {
  const size = Number(values['size-mib']);
  const valueBytes = Number(values['value-bytes']);
  const syncs = Number(values.syncs);
  if (!Number.isInteger(syncs) || syncs < 1) throw new Error(`--syncs ${values.syncs}: give a whole number of 1 or more`);
  const kinds = liveRelays({ rdb: true, breakdown: values.breakdown });
  const runs: FullSyncRun[] = await benchFullSync(size, rounds, kinds, valueBytes, syncs);
  const first = (r: FullSyncRun): FullSyncRun['syncs'][number] => r.syncs[0]!;
  const last = (r: FullSyncRun): FullSyncRun['syncs'][number] => r.syncs[syncs - 1]!;
  const direct = by(runs, 'direct', (r) => first(r).seconds);
  const socatCpu = by(runs, 'socat', (r) => first(r).relayCpuSeconds);
  const socatLastCpu = by(runs, 'socat', (r) => last(r).relayCpuSeconds);
  const keys = Math.round((size * 2 ** 20) / valueBytes);
  out.push(
    `### Full sync of ${size} MiB of values: ${keys} keys of ${valueBytes} bytes (diskless, rdbcompression no)`,
    '',
    `Each relay process serves ${syncs} full sync${syncs > 1 ? 's' : ''}, of empty replicas one after the other (each stopped once synced); the first is a relay just started${syncs > 1 ? `, sync ${syncs} one that has run a while (for Node, code the JIT has optimised)` : ''}. Wall time is the first sync's.`,
    '',
    `| link | wall s | wall / direct | relay CPU s | CPU / socat |${syncs > 1 ? ` sync ${syncs}: relay CPU s | CPU / socat |` : ''} relay peak RSS MiB | trace MiB |`,
    `| --- | ---: | ---: | ---: | ---: |${syncs > 1 ? ' ---: | ---: |' : ''} ---: | ---: |`,
  );
  for (const kind of kinds) {
    const wall = by(runs, kind, (r) => first(r).seconds);
    const cpu = by(runs, kind, (r) => first(r).relayCpuSeconds);
    const lastCpu = by(runs, kind, (r) => last(r).relayCpuSeconds);
    const rss = by(runs, kind, (r) => r.relayPeakRssMiB);
    const trace = runs.find((r) => r.relay === kind)?.traceMiB ?? null;
    const relayed = (text: string): string => (kind === 'direct' ? '-' : text);
    const later = syncs > 1 ? ` ${relayed(lastCpu.toFixed(2))} | ${relayed((lastCpu / socatLastCpu).toFixed(2))} |` : '';
    out.push(
      `| ${kind} | ${wall.toFixed(2)} | ${(wall / direct).toFixed(3)} | ${relayed(cpu.toFixed(2))} | ${relayed((cpu / socatCpu).toFixed(2))} |${later} ${relayed(rss.toFixed(0))} | ${trace === null ? '-' : trace.toFixed(1)} |`,
    );
  }
  out.push('');
}

if (suites.has('stream')) {
  const commands = Number(values.commands);
  const warmUp = Number(values['warm-up']);
  const record = values.record === undefined ? undefined : parseRecordLevel(values.record);
  const runs: StreamRun[] = await benchStream(commands, rounds, liveRelays({ rdb: false, breakdown: values.breakdown }), warmUp, record);
  const what = `${commands} commands${warmUp > 0 ? ` after ${warmUp} unmeasured` : ''}${record ? `, repltap at --record ${record}` : ''}`;
  out.push(
    `### Stream: redis-benchmark -t set -P 32 -c 4 -d 32, ${what}`,
    '',
    '| link | benchmark s | max lag bytes | drain ms | relay CPU s | relay CPU µs/command | relay peak RSS MiB | trace MiB (whole session) |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const kind of liveRelays({ rdb: false, breakdown: values.breakdown })) {
    const cpu = by(runs, kind, (r) => r.relayCpuSeconds);
    const trace = runs.find((r) => r.relay === kind)?.traceMiB ?? null;
    out.push(
      `| ${kind} | ${by(runs, kind, (r) => r.benchmarkSeconds).toFixed(2)} | ${by(runs, kind, (r) => r.maxLagBytes).toFixed(0)} | ${by(runs, kind, (r) => r.drainMs).toFixed(0)} | ${kind === 'direct' ? '-' : cpu.toFixed(2)} | ${kind === 'direct' ? '-' : ((cpu / commands) * 1e6).toFixed(2)} | ${kind === 'direct' ? '-' : by(runs, kind, (r) => r.relayPeakRssMiB).toFixed(0)} | ${trace === null ? '-' : trace.toFixed(1)} |`,
    );
  }
  out.push('');
}

if (suites.has('latency')) {
  const probes = Number(values.probes);
  const kinds = liveRelays({ rdb: false, breakdown: false });
  const warmUp = Number(values['warm-up']);
  const runs = await benchLatency(probes, rounds, kinds, warmUp);
  out.push(
    `### Latency: a propagated SET from the master to a replica's socket, ${probes} probes a millisecond apart${warmUp > 0 ? ` after ${warmUp} unmeasured` : ''}`,
    '',
    'Idle: the probes alone. Saturated: while redis-benchmark -t set -P 32 -c 4 -d 32 writes to the master, as in the stream suite.',
    '',
    '| link | idle p50 µs | idle p99 µs | idle max µs | saturated p50 µs | saturated p99 µs | saturated max µs |',
    '| --- | ---: | ---: | ---: | ---: | ---: | ---: |',
  );
  for (const kind of kinds) {
    const at = (loaded: boolean, pick: (r: LatencyRun) => number): string => by(runs.filter((r) => r.loaded === loaded), kind, pick).toFixed(0);
    out.push(`| ${kind} | ${at(false, (r) => r.p50Us)} | ${at(false, (r) => r.p99Us)} | ${at(false, (r) => r.maxUs)} | ${at(true, (r) => r.p50Us)} | ${at(true, (r) => r.p99Us)} | ${at(true, (r) => r.maxUs)} |`);
  }
  out.push('');
}

if (suites.has('rdb')) {
  const keys = Number(values['rdb-keys']);
  const runs = await benchRdb(keys, rounds);
  out.push(`### RDB decoding: ${keys} keys of every type, saved by redis-server 7.0`, '', '| file | tool | s | / redis-check-rdb | keys/s | MB/s | peak RSS MiB |', '| --- | --- | ---: | ---: | ---: | ---: | ---: |');
  for (const file of ['compressed', 'uncompressed'] as const) {
    const of = runs.filter((r) => r.file === file);
    const check = median(of.filter((r) => r.tool === 'redis-check-rdb').map((r) => r.seconds));
    for (const tool of [...new Set(of.map((r) => r.tool))]) {
      const rs = of.filter((r) => r.tool === tool);
      const s = median(rs.map((r) => r.seconds));
      out.push(`| ${file} (${(rs[0]!.bytes / 1e6).toFixed(0)} MB) | ${tool} | ${s.toFixed(2)} | ${(s / check).toFixed(2)} | ${(keys / s / 1000).toFixed(0)}k | ${(rs[0]!.bytes / 1e6 / s).toFixed(0)} | ${tool === IN_PROCESS ? '-' : median(rs.map((r) => r.peakRssMiB)).toFixed(0)} |`);
    }
  }
  out.push('');
}

if (suites.has('summary')) {
  const frames = Number(values.frames);
  const runs = benchSummaryMemory(frames, rounds);
  out.push(`### inspect on a link with no ACK: ${frames} stream frames summarised, heap after a forced GC`, '', '| build | heap MiB | ms | rounds, heap MiB |', '| --- | ---: | ---: | --- |');
  for (const build of [...new Set(runs.map((r) => r.build))]) {
    const rs = runs.filter((r) => r.build === build);
    out.push(`| ${build} | ${median(rs.map((r) => r.heapMiB)).toFixed(0)} | ${median(rs.map((r) => r.ms)).toFixed(0)} | ${rs.map((r) => r.heapMiB.toFixed(0)).join(', ')} |`);
  }
  out.push('');
}

if (suites.has('read')) {
  const runs = benchRead(Number(values.commands), rounds);
  out.push(`### Reading a trace: ${runs[0]!.records} records (${runs[0]!.traceMiB.toFixed(0)} MiB at --record commands) read and summarised, as inspect does`, '', '| build | ms | ns per record | rounds, ms |', '| --- | ---: | ---: | --- |');
  for (const build of [...new Set(runs.map((r) => r.build))]) {
    const rs = runs.filter((r) => r.build === build);
    const ms = median(rs.map((r) => r.ms));
    out.push(`| ${build} | ${ms.toFixed(0)} | ${((ms * 1e6) / rs[0]!.records).toFixed(0)} | ${rs.map((r) => r.ms.toFixed(0)).join(', ')} |`);
  }
  out.push('');
}

process.stdout.write(`${out.join('\n')}\n`);
