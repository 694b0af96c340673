import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinkDecoder } from '../src/link/link-decoder.js';
import { encodeCommand } from '../src/resp/encode.js';
import { TraceWriter } from '../src/trace/writer.js';
import { TRACE_FORMAT_VERSION, type TraceHeader } from '../src/trace/format.js';
import { countKeysInProcess } from './rdb.js';

export interface DecoderResult {
  variant: string;
  commands: number;
  nsPerCommand: number;
  mbPerSecond: number;
}

/** A stream like redis-benchmark's SETs, cut into chunks of `chunkBytes` as sockets deliver them. */
export function benchmarkStream(commands: number, chunkBytes: number): Buffer[] {
  const frames: Buffer[] = [];
  const value = 'x'.repeat(32);
  for (let i = 0; i < commands; i++) frames.push(encodeCommand(['SET', `key:${String(i % 100_000).padStart(12, '0')}`, value]));
  const all = Buffer.concat(frames);
  const chunks: Buffer[] = [];
  for (let at = 0; at < all.length; at += chunkBytes) chunks.push(all.subarray(at, at + chunkBytes));
  return chunks;
}

export const benchTraceHeader: TraceHeader = {
  type: 'header', format: 'repltap-trace', version: TRACE_FORMAT_VERSION, tool: 'repltap', toolVersion: 'bench', startedAt: 0, source: 'proxy',
  master: 'bench', listen: null, record: 'commands', maxArgBytes: 256, maxArgs: 64, recordSecrets: false,
};

/** The classes a decoder variant runs: this build's, or those of an earlier build (bench/baseline.sh). */
export interface DecoderBuild {
  LinkDecoder: typeof LinkDecoder;
  TraceWriter: typeof TraceWriter;
}

/** This build's link decoder and trace writer, and the earlier build's in `REPLTAP_BENCH_BASELINE` (its dist/) when set. */
export async function decoderBuilds(): Promise<{ current: DecoderBuild; baseline: DecoderBuild | null }> {
  const current = { LinkDecoder, TraceWriter };
  const dist = process.env.REPLTAP_BENCH_BASELINE;
  if (!dist) return { current, baseline: null };
  const decoder = (await import(join(dist, 'link', 'link-decoder.js'))) as typeof import('../src/link/link-decoder.js');
  const writer = (await import(join(dist, 'trace', 'writer.js'))) as typeof import('../src/trace/writer.js');
  return { current, baseline: { LinkDecoder: decoder.LinkDecoder, TraceWriter: writer.TraceWriter } };
}

/**
 * In-process cost of decoding (and recording) the command stream, per command: `rounds` measured
 * rounds after one unmeasured, the variants interleaved in each. With a baseline build, its command
 * runs (what its tap does) run beside this build's, in the same process and rounds.
 */
export function benchDecoder(commands: number, chunkBytes: number, rounds: number, builds: { current: DecoderBuild; baseline: DecoderBuild | null }): DecoderResult[] {
  const chunks = benchmarkStream(commands, chunkBytes);
  const bytes = chunks.reduce((n, c) => n + c.length, 0);
  const dir = mkdtempSync(join(tmpdir(), 'repltap-bench-'));
  const results: DecoderResult[] = [];
  const variants: [string, DecoderBuild, boolean, boolean, boolean][] = [
    ['decode into events, --record meta (no args)', builds.current, false, false, false],
    ['decode into events + trace write, --record meta (the tap at meta before command batches)', builds.current, false, true, false],
    ['decode into events, --record commands (args; what a fault acting on the stream needs)', builds.current, true, false, false],
    ['decode into events + trace write, --record commands', builds.current, true, true, false],
    ['decode into command batches, --record meta', builds.current, false, false, true],
    ['decode into command batches + trace write (the tap at --record meta)', builds.current, false, true, true],
    ['decode into command runs, --record commands', builds.current, true, false, true],
    ['decode into command runs + trace write (the tap)', builds.current, true, true, true],
  ];
  if (builds.baseline !== null) {
    variants.push(
      ['baseline build: decode into command runs', builds.baseline, true, false, true],
      ['baseline build: decode into command runs + trace write', builds.baseline, true, true, true],
    );
  }
  for (let round = 0; round <= rounds; round++) {
    for (const [variant, build, args, trace, runs] of variants) {
      const decoder = new build.LinkDecoder({ link: 1, args, recordSecrets: false, rdb: 'none' });
      decoder.feed('r2m', encodeCommand(['PSYNC', 'a'.repeat(40), '1']), 0);
      decoder.feed('m2r', Buffer.from(`+CONTINUE ${'a'.repeat(40)}\r\n`), 0);
      const writer = trace ? new build.TraceWriter(join(dir, 'bench.rtrace'), benchTraceHeader) : null;
      let events = 0;
      const start = process.hrtime.bigint();
      for (const chunk of chunks) {
        const out = runs ? decoder.feedRuns('m2r', chunk, 0) : decoder.feed('m2r', chunk, 0);
        for (const e of out) events += e.type === 'command-run' || e.type === 'command-batch' ? e.count : 1;
        if (writer) for (const e of out) writer.append(e);
      }
      writer?.close();
      const ns = Number(process.hrtime.bigint() - start);
      if (events !== commands) throw new Error(`decoded ${events} events, expected ${commands}`);
      if (round > 0) results.push({ variant, commands, nsPerCommand: ns / commands, mbPerSecond: bytes / 1e6 / (ns / 1e9) });
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return results;
}

export interface RdbPayloadResult {
  variant: string;
  keys: number;
  msPerPayload: number;
  nsPerKey: number;
}

/**
 * An RDB like the full-sync suite's master sends (DEBUG POPULATE: string keys `bench:N`, values of
 * `valueBytes` bytes, no compression), after its `+FULLRESYNC` reply and `$<length>` header.
 */
function fullSyncPayload(keys: number, valueBytes: number): Buffer {
  // §7.3 lengths: 6-bit, 14-bit, or 0x80 and 32 bits big-endian.
  const length = (n: number): Buffer => {
    if (n < 0x40) return Buffer.from([n]);
    if (n < 0x4000) return Buffer.from([0x40 | (n >> 8), n & 0xff]);
    const b = Buffer.from([0x80, 0, 0, 0, 0]);
    b.writeUInt32BE(n, 1);
    return b;
  };
  const SELECTDB = 0xfe;
  const RESIZEDB = 0xfb;
  const STRING = 0x00;
  const EOF = 0xff;
  const value = Buffer.concat([length(valueBytes), Buffer.alloc(valueBytes, 0x78)]);
  const parts: Buffer[] = [Buffer.from('REDIS0010'), Buffer.from([SELECTDB, 0]), Buffer.from([RESIZEDB]), length(keys), length(0)];
  for (let i = 0; i < keys; i++) {
    const key = Buffer.from(`bench:${i}`);
    parts.push(Buffer.from([STRING]), length(key.length), key, value);
  }
  parts.push(Buffer.from([EOF]), Buffer.alloc(8)); // a zero checksum: not computed
  const rdb = Buffer.concat(parts);
  return Buffer.concat([Buffer.from(`+FULLRESYNC ${'a'.repeat(40)} 0\r\n$${rdb.length}\r\n`), rdb]);
}

/**
 * In-process cost of decoding (and recording) a full sync's RDB payload read in 64 KiB chunks, as
 * from loopback: `rounds` measured rounds after one unmeasured. With a baseline build, its tap path
 * (keys decoded, trace written) runs beside this build's, in the same process and rounds.
 */
export function benchRdbPayload(sizeMiB: number, valueBytes: number, rounds: number, builds: { current: DecoderBuild; baseline: DecoderBuild | null }): RdbPayloadResult[] {
  const keys = Math.round((sizeMiB * 2 ** 20) / valueBytes);
  const payload = fullSyncPayload(keys, valueBytes);
  const chunks: Buffer[] = [];
  for (let at = 0; at < payload.length; at += 65536) chunks.push(payload.subarray(at, at + 65536));
  const dir = mkdtempSync(join(tmpdir(), 'repltap-bench-'));
  const results: RdbPayloadResult[] = [];
  const variants: [string, DecoderBuild, 'none' | 'keys', boolean][] = [
    ['--rdb none (framed and measured)', builds.current, 'none', false],
    ['--rdb keys', builds.current, 'keys', false],
    ['--rdb keys + trace write (the tap)', builds.current, 'keys', true],
  ];
  if (builds.baseline !== null) {
    variants.push(['baseline build: --rdb keys', builds.baseline, 'keys', false], ['baseline build: --rdb keys + trace write', builds.baseline, 'keys', true]);
  }
  const rdbFile = payload.subarray(payload.indexOf('REDIS'));
  for (let round = 0; round <= rounds; round++) {
    // What `repltap rdb --summary` does: keys counted straight into the summary, no events.
    const seconds = countKeysInProcess(rdbFile, keys);
    if (round > 0) results.push({ variant: 'RDB alone, keys counted into a summary (repltap rdb --summary)', keys, msPerPayload: seconds * 1e3, nsPerKey: (seconds * 1e9) / keys });
    for (const [variant, build, rdb, trace] of variants) {
      const decoder = new build.LinkDecoder({ link: 1, args: true, recordSecrets: false, rdb });
      decoder.feed('r2m', encodeCommand(['PSYNC', '?', '-1']), 0);
      const writer = trace ? new build.TraceWriter(join(dir, 'bench.rtrace'), benchTraceHeader) : null;
      let decoded = 0;
      let ended = false;
      const start = process.hrtime.bigint();
      for (const chunk of chunks) {
        for (const e of decoder.feedRuns('m2r', chunk, 0)) {
          if (e.type === 'rdb-keys') decoded += e.count;
          else if (e.type === 'rdb-end') ended = true;
          writer?.append(e);
        }
      }
      writer?.close();
      const ns = Number(process.hrtime.bigint() - start);
      if (!ended || decoded !== (rdb === 'keys' ? keys : 0)) throw new Error(`${variant}: the payload ${ended ? 'ended' : 'did not end'} with ${decoded} keys decoded, of ${keys}`);
      if (round > 0) results.push({ variant, keys, msPerPayload: ns / 1e6, nsPerKey: ns / keys });
    }
  }
  rmSync(dir, { recursive: true, force: true });
  return results;
}
