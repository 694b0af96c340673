import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinkDecoder } from '../src/link/link-decoder.js';
import { encodeCommand } from '../src/resp/encode.js';
import { TraceWriter } from '../src/trace/writer.js';
import { TRACE_FORMAT_VERSION, type TraceHeader } from '../src/trace/format.js';

export interface DecoderResult {
  variant: string;
  commands: number;
  nsPerCommand: number;
  mbPerSecond: number;
}

/** A stream like redis-benchmark's SETs, cut into chunks of `chunkBytes` as sockets deliver them. */
function benchmarkStream(commands: number, chunkBytes: number): Buffer[] {
  const frames: Buffer[] = [];
  const value = 'x'.repeat(32);
  for (let i = 0; i < commands; i++) frames.push(encodeCommand(['SET', `key:${String(i % 100_000).padStart(12, '0')}`, value]));
  const all = Buffer.concat(frames);
  const chunks: Buffer[] = [];
  for (let at = 0; at < all.length; at += chunkBytes) chunks.push(all.subarray(at, at + chunkBytes));
  return chunks;
}

const header: TraceHeader = {
  type: 'header', format: 'repltap-trace', version: TRACE_FORMAT_VERSION, tool: 'repltap', toolVersion: 'bench', startedAt: 0, source: 'proxy',
  master: 'bench', listen: null, record: 'commands', maxArgBytes: 256, maxArgs: 64, recordSecrets: false,
};

/** In-process cost of decoding (and recording) the command stream, per command. */
export function benchDecoder(commands: number, chunkBytes: number): DecoderResult[] {
  const chunks = benchmarkStream(commands, chunkBytes);
  const bytes = chunks.reduce((n, c) => n + c.length, 0);
  const dir = mkdtempSync(join(tmpdir(), 'repltap-bench-'));
  const results: DecoderResult[] = [];
  const variants: [string, boolean, boolean, boolean][] = [
    ['decode, --record meta (no args)', false, false, false],
    ['decode, --record commands (args)', true, false, false],
    ['decode + trace write, --record commands', true, true, false],
    ['decode into command runs, --record commands', true, false, true],
    ['decode into command runs + trace write (the tap)', true, true, true],
  ];
  for (let round = 0; round < 3; round++) {
    for (const [variant, args, trace, runs] of variants) {
      const decoder = new LinkDecoder({ link: 1, args, recordSecrets: false, rdb: 'none' });
      decoder.feed('r2m', encodeCommand(['PSYNC', 'a'.repeat(40), '1']), 0);
      decoder.feed('m2r', Buffer.from(`+CONTINUE ${'a'.repeat(40)}\r\n`), 0);
      const writer = trace ? new TraceWriter(join(dir, 'bench.rtrace'), header) : null;
      let events = 0;
      const start = process.hrtime.bigint();
      for (const chunk of chunks) {
        const out = runs ? decoder.feedRuns('m2r', chunk, 0) : decoder.feed('m2r', chunk, 0);
        for (const e of out) events += e.type === 'command-run' ? e.count : 1;
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
