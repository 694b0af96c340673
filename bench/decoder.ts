import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { LinkDecoder } from '../src/link/link-decoder.js';
import { encodeCommand } from '../src/resp/encode.js';
import { TraceWriter } from '../src/trace/writer.js';
import type { TraceHeader } from '../src/trace/format.js';

export interface DecoderResult {
  variant: string;
  commands: number;
  nsPerCommand: number;
  mbPerSecond: number;
}

/** A stream like redis-benchmark's SETs, cut into 64 KiB chunks as sockets deliver them. */
function benchmarkStream(commands: number): Buffer[] {
  const frames: Buffer[] = [];
  const value = 'x'.repeat(32);
  for (let i = 0; i < commands; i++) frames.push(encodeCommand(['SET', `key:${String(i % 100_000).padStart(12, '0')}`, value]));
  const all = Buffer.concat(frames);
  const chunks: Buffer[] = [];
  for (let at = 0; at < all.length; at += 65536) chunks.push(all.subarray(at, at + 65536));
  return chunks;
}

const header: TraceHeader = {
  type: 'header', format: 'repltap-trace', version: 1, tool: 'repltap', toolVersion: 'bench', startedAt: 0, source: 'proxy',
  master: 'bench', listen: null, record: 'commands', maxArgBytes: 256, maxArgs: 64, recordSecrets: false,
};

/** In-process cost of decoding (and recording) the command stream, per command. */
export function benchDecoder(commands: number): DecoderResult[] {
  const chunks = benchmarkStream(commands);
  const bytes = chunks.reduce((n, c) => n + c.length, 0);
  const dir = mkdtempSync(join(tmpdir(), 'repltap-bench-'));
  const results: DecoderResult[] = [];
  const variants: [string, boolean, boolean][] = [
    ['decode, --record meta (no args)', false, false],
    ['decode, --record commands (args)', true, false],
    ['decode + trace write, --record commands', true, true],
  ];
  for (let round = 0; round < 3; round++) {
    for (const [variant, args, trace] of variants) {
      const decoder = new LinkDecoder({ link: 1, args, recordSecrets: false, rdb: 'none' });
      decoder.feed('r2m', encodeCommand(['PSYNC', 'a'.repeat(40), '1']), 0);
      decoder.feed('m2r', Buffer.from(`+CONTINUE ${'a'.repeat(40)}\r\n`), 0);
      const writer = trace ? new TraceWriter(join(dir, 'bench.rtrace'), header) : null;
      let events = 0;
      const start = process.hrtime.bigint();
      for (const chunk of chunks) {
        const out = decoder.feed('m2r', chunk, 0);
        events += out.length;
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
