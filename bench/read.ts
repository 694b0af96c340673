import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { LinkDecoder } from '../src/link/link-decoder.js';
import { encodeCommand } from '../src/resp/encode.js';
import { TraceWriter } from '../src/trace/writer.js';
import { benchmarkStream, benchTraceHeader } from './decoder.js';

export interface ReadRun {
  build: string;
  records: number;
  traceMiB: number;
  ms: number;
}

/**
 * Reads a trace through and summarises it, as `repltap inspect` does, timed from open to the last
 * summary. Each build runs in a process of its own, on the same file.
 */
const CHILD = `
const [dist, path] = [process.argv[1], process.argv[2]];
const { openTrace } = await import(dist + '/trace/reader.js');
const { LinkSummarizer } = await import(dist + '/trace/link-summary.js');
const start = performance.now();
const trace = openTrace(path);
const summarizer = new LinkSummarizer();
let records = 0;
for (const record of trace.records()) {
  summarizer.add(record);
  records++;
}
summarizer.summaries();
trace.close();
process.stdout.write(JSON.stringify({ records, ms: performance.now() - start }));
`;

/** A trace as the tap writes it at --record commands: a partial resync, then `commands` SETs in command runs, an ACK per chunk. */
function writeBenchTrace(path: string, commands: number): void {
  const writer = new TraceWriter(path, benchTraceHeader);
  const decoder = new LinkDecoder({ link: 1, args: true, recordSecrets: false, rdb: 'none' });
  writer.append(decoder.open(0, 'replica', 'master'));
  for (const e of decoder.feed('r2m', encodeCommand(['PSYNC', 'a'.repeat(40), '1']), 0)) writer.append(e);
  for (const e of decoder.feed('m2r', Buffer.from(`+CONTINUE ${'a'.repeat(40)}\r\n`), 0)) writer.append(e);
  let t = 0;
  for (const chunk of benchmarkStream(commands, 8622)) {
    t += 0.1;
    for (const e of decoder.feedRuns('m2r', chunk, t)) writer.append(e);
    const offset = decoder.state.masterOffset ?? 0;
    for (const e of decoder.feed('r2m', encodeCommand(['REPLCONF', 'ACK', offset]), t + 0.05)) writer.append(e);
  }
  for (const e of decoder.close(t + 1, 'bench')) writer.append(e);
  writer.close();
}

/** This build's reader (dist/), and the earlier build's in `REPLTAP_BENCH_BASELINE` when set, `rounds` times each, interleaved. */
export function benchRead(commands: number, rounds: number): ReadRun[] {
  const dir = mkdtempSync(join(tmpdir(), 'repltap-bench-read-'));
  const path = join(dir, 'read.rtrace');
  writeBenchTrace(path, commands);
  const traceMiB = statSync(path).size / 2 ** 20;
  const builds: [string, string][] = [['this build', join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')]];
  if (process.env.REPLTAP_BENCH_BASELINE) builds.push(['baseline build', process.env.REPLTAP_BENCH_BASELINE]);
  const runs: ReadRun[] = [];
  try {
    for (let round = 0; round < rounds; round++) {
      for (const [build, dist] of builds) {
        const out = execFileSync(process.execPath, ['--input-type=module', '-e', CHILD, dist, path], { encoding: 'utf8' });
        const { records, ms } = JSON.parse(out) as { records: number; ms: number };
        runs.push({ build, records, traceMiB, ms });
        process.stderr.write(`read ${records} records (${traceMiB.toFixed(0)} MiB), ${build}: ${ms.toFixed(0)} ms\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  const counts = new Set(runs.map((r) => r.records));
  if (counts.size > 1) throw new Error(`the builds read different numbers of records: ${[...counts].join(', ')}`);
  return runs;
}
