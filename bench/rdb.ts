import { spawn } from 'node:child_process';
import { copyFileSync, mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { RdbDecoder } from '../src/rdb/rdb-decoder.js';
import { RdbSummaryBuilder } from '../src/rdb/summary.js';
import { RedisServer } from '../src/servers/redis-server.js';
import { peakRssMiB } from './proc-stats.js';

export interface RdbRun {
  file: 'compressed' | 'uncompressed';
  tool: string;
  seconds: number;
  peakRssMiB: number;
  bytes: number;
  keys: number;
}

/** 1.2M keys of every type, built server-side by Lua in batches (values repeat, so LZF shrinks them). */
const POPULATE = `
local from, to = tonumber(ARGV[1]), tonumber(ARGV[2])
local pad = string.rep('0123456789abcdef', 14)
for i = from, to do
  local k = tostring(i)
  local kind = i % 8
  if kind < 4 then
    redis.call('SET', 'str:' .. k, pad .. k)
  elseif kind == 4 then
    redis.call('HSET', 'hash:' .. k, 'name', 'user-' .. k, 'email', 'user' .. k .. '@example.com', 'bio', pad)
  elseif kind == 5 then
    redis.call('RPUSH', 'list:' .. k, 'a' .. k, 'b' .. k, pad, 'c' .. k)
  elseif kind == 6 then
    redis.call('SADD', 'set:' .. k, 'x' .. k, 'y' .. k, pad)
  else
    redis.call('ZADD', 'zset:' .. k, 1, 'm1-' .. k, 2, 'm2-' .. k, 3.5, pad)
  end
end
return to - from + 1`;

export async function makeBenchRdbs(keys: number, dir: string): Promise<{ compressed: string; uncompressed: string }> {
  const server = await RedisServer.start({ name: 'bench-rdb', config: { rdbcompression: 'yes' } });
  try {
    const batch = 100_000;
    for (let from = 1; from <= keys; from += batch) await server.client.call('EVAL', POPULATE, 0, from, Math.min(keys, from + batch - 1));
    const compressed = join(dir, 'mixed-compressed.rdb');
    const uncompressed = join(dir, 'mixed-uncompressed.rdb');
    await server.client.call('SAVE');
    copyFileSync(join(server.dir, 'dump.rdb'), compressed);
    await server.client.call('CONFIG', 'SET', 'rdbcompression', 'no');
    await server.client.call('SAVE');
    copyFileSync(join(server.dir, 'dump.rdb'), uncompressed);
    return { compressed, uncompressed };
  } finally {
    await server.stop();
  }
}

/** Runs a command to completion, sampling its peak RSS; stdout is counted, not kept. */
function timed(command: string, args: string[]): Promise<{ seconds: number; peakRssMiB: number; stdout: string }> {
  return new Promise((resolve, reject) => {
    const start = performance.now();
    const child = spawn(command, args, { stdio: ['ignore', 'pipe', 'inherit'] });
    let peak = 0;
    let tail = '';
    child.stdout.on('data', (d: Buffer) => {
      tail = (tail + d.toString('latin1')).slice(-4096);
    });
    const sampler = setInterval(() => {
      try {
        peak = Math.max(peak, peakRssMiB(child.pid!));
      } catch {
        // exited between samples
      }
    }, 10);
    child.once('error', reject);
    child.once('exit', (code) => {
      clearInterval(sampler);
      if (code !== 0) return reject(new Error(`${command} ${args.join(' ')} exited ${code}`));
      resolve({ seconds: (performance.now() - start) / 1000, peakRssMiB: peak, stdout: tail });
    });
  });
}

export const IN_PROCESS = 'in process: RdbDecoder counting keys into a summary';

/**
 * The decoding `repltap rdb --summary` does, without its process start, checksum worker or output:
 * the RDB's bytes fed in 64 KiB chunks (as a file stream gives them) and its keys counted into a
 * summary; throws unless it counts `keys`. Seconds.
 */
export function countKeysInProcess(rdb: Uint8Array, keys: number): number {
  const summary = new RdbSummaryBuilder();
  const decoder = new RdbDecoder({ values: false, verifyChecksum: false, sink: summary });
  const start = performance.now();
  for (let at = 0; at < rdb.length; at += 65536) decoder.feed(rdb.subarray(at, at + 65536));
  decoder.end();
  const seconds = (performance.now() - start) / 1000;
  if (summary.summary.keys !== keys) throw new Error(`${IN_PROCESS}: counted ${summary.summary.keys} keys, expected ${keys}`);
  return seconds;
}

export async function benchRdb(keys: number, rounds: number): Promise<RdbRun[]> {
  const dir = mkdtempSync(join(tmpdir(), 'repltap-bench-rdb-'));
  const cli = join(import.meta.dirname, '..', 'dist', 'cli', 'main.js');
  const runs: RdbRun[] = [];
  try {
    const files = await makeBenchRdbs(keys, dir);
    for (let round = 0; round < rounds; round++) {
      for (const file of ['compressed', 'uncompressed'] as const) {
        const path = files[file];
        const bytes = statSync(path).size;
        const tools: [string, string, string[]][] = [
          ['redis-check-rdb', 'redis-check-rdb', [path]],
          ['repltap rdb --json --summary', process.execPath, [cli, 'rdb', path, '--json', '--summary']],
          ['repltap rdb --json', process.execPath, [cli, 'rdb', path, '--json']],
        ];
        for (const [tool, command, args] of tools) {
          const r = await timed(command, args);
          const found = tool === 'repltap rdb --json --summary' ? (JSON.parse(r.stdout) as { keys: number }).keys : keys;
          if (found !== keys) throw new Error(`${tool} found ${found} keys, expected ${keys}`);
          runs.push({ file, tool, seconds: r.seconds, peakRssMiB: r.peakRssMiB, bytes, keys });
          process.stderr.write(`rdb ${file} (${(bytes / 1e6).toFixed(0)} MB) ${tool}: ${r.seconds.toFixed(2)} s, peak RSS ${r.peakRssMiB.toFixed(0)} MiB\n`);
        }
        const seconds = countKeysInProcess(readFileSync(path), keys);
        runs.push({ file, tool: IN_PROCESS, seconds, peakRssMiB: Number.NaN, bytes, keys });
        process.stderr.write(`rdb ${file} ${IN_PROCESS}: ${seconds.toFixed(2)} s\n`);
      }
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
  return runs;
}
