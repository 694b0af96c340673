import { execFileSync } from 'node:child_process';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export interface SummaryRun {
  build: string;
  frames: number;
  heapMiB: number;
  ms: number;
}

/**
 * Fed `frames` stream commands and no ACK (a SYNC link, or a replica gone quiet), then summarised:
 * what `repltap inspect` holds for such a link. Each build runs in a process of its own, so that
 * the heap measured after a forced GC is its summarizer's alone.
 */
const CHILD = `
const [dist, frames] = [process.argv[1], Number(process.argv[2])];
const { LinkSummarizer } = await import(dist + '/trace/link-summary.js');
const summarizer = new LinkSummarizer();
const start = performance.now();
summarizer.event({ type: 'link-open', t: 0, link: 1, replica: 'r', master: 'm' });
for (let k = 1; k <= frames; k++) summarizer.event({ type: 'command', t: k / 10, link: 1, offset: k * 50, size: 50, name: 'set', argc: 3, db: 0 });
const ms = performance.now() - start;
globalThis.gc();
const heap = process.memoryUsage().heapUsed;
const [summary] = summarizer.summaries();
if (summary.commands !== frames) throw new Error('summarised ' + summary.commands + ' commands, expected ' + frames);
process.stdout.write(JSON.stringify({ heapMiB: heap / 2 ** 20, ms }));
`;

/** This build's summarizer (dist/), and the earlier build's in `REPLTAP_BENCH_BASELINE` when set, `rounds` times each, interleaved. */
export function benchSummaryMemory(frames: number, rounds: number): SummaryRun[] {
  const builds: [string, string][] = [['this build', join(dirname(fileURLToPath(import.meta.url)), '..', 'dist')]];
  if (process.env.REPLTAP_BENCH_BASELINE) builds.push(['baseline build', process.env.REPLTAP_BENCH_BASELINE]);
  const runs: SummaryRun[] = [];
  for (let round = 0; round < rounds; round++) {
    for (const [build, dist] of builds) {
      const out = execFileSync(process.execPath, ['--expose-gc', '--input-type=module', '-e', CHILD, dist, String(frames)], { encoding: 'utf8' });
      const { heapMiB, ms } = JSON.parse(out) as { heapMiB: number; ms: number };
      runs.push({ build, frames, heapMiB, ms });
      process.stderr.write(`summary of ${frames} frames without an ACK, ${build}: heap ${heapMiB.toFixed(0)} MiB, ${ms.toFixed(0)} ms\n`);
    }
  }
  return runs;
}
