import { spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from 'node:net';
import { seededGenerator } from '../src/random.js';
import { freePort } from '../src/servers/redis-server.js';
import { sleep, waitFor } from '../src/servers/wait.js';
import type { RecordLevel } from '../src/link/events.js';
import { cpuSeconds, peakRssMiB } from './proc-stats.js';

export type RelayKind =
  | 'direct'
  | 'socat'
  | 'node-pipe'
  | 'onread-pipe'
  | 'onread-decode'
  | 'onread-decode-trace'
  | 'tap'
  | 'tap-rdb-none'
  | 'tap-baseline'
  | 'tap-baseline-rdb-none'
  | 'tap-unmatched-fault';

/** The tap taken apart (`--breakdown`, bench/node-decode.ts): its reads alone, plus decoding, plus the trace. */
const BREAKDOWN_KINDS = { 'onread-pipe': 'none', 'onread-decode': 'decode', 'onread-decode-trace': 'trace' } as const;

/**
 * The relays that write a trace: the tap; the tap with `--rdb none` (the RDB framed and measured,
 * not decoded); an earlier build (`REPLTAP_BENCH_BASELINE`, see bench/baseline.sh), also with
 * `--rdb none`; the tap with a fault that matches no link; the tap taken apart down to decoding
 * and the trace.
 */
export const TAP_KINDS: readonly RelayKind[] = ['tap', 'tap-rdb-none', 'tap-baseline', 'tap-baseline-rdb-none', 'tap-unmatched-fault', 'onread-decode-trace'];

/**
 * The relays to compare: the baseline only when one was built; `--rdb none` only where there is an
 * RDB to skip; the tap's layers one by one with `breakdown`.
 */
export function relayKinds(options: { rdb: boolean; breakdown: boolean }): RelayKind[] {
  return [
    'direct',
    'socat',
    'node-pipe',
    ...(options.breakdown ? (Object.keys(BREAKDOWN_KINDS) as RelayKind[]) : []),
    'tap',
    ...(options.rdb ? (['tap-rdb-none'] as const) : []),
    ...(process.env.REPLTAP_BENCH_BASELINE ? (['tap-baseline'] as const) : []),
    ...(process.env.REPLTAP_BENCH_BASELINE && options.rdb ? (['tap-baseline-rdb-none'] as const) : []),
    'tap-unmatched-fault',
  ];
}

/**
 * The relays in the order round `round` runs them: shuffled, each round its own way (seeded by the
 * round, so a run repeats). Where a relay runs in a round, and after which other relay, then falls
 * on none in particular: in a fixed order the relay run last came out cheapest round after round.
 */
export function inRoundOrder(kinds: readonly RelayKind[], round: number): RelayKind[] {
  const random = seededGenerator(round + 1);
  const order = [...kinds];
  for (let i = order.length - 1; i > 0; i--) {
    const j = Math.floor(random() * (i + 1));
    [order[i], order[j]] = [order[j]!, order[i]!];
  }
  return order;
}

/** What sits between the replica and the master in one run: nothing, socat, a bare Node pipe, or repltap proxy. */
export interface Relay {
  kind: RelayKind;
  port: number;
  pid: number | null;
  cpu(): number;
  peakRss(): number;
  stop(): Promise<void>;
}

const root = join(import.meta.dirname, '..');
/** A fault for a link that never exists: what configured faults cost the links they do not touch. */
const UNMATCHED_FAULT = JSON.stringify({ action: 'delay', params: { ms: 1 }, when: { link: 1_000_000 } });

/** `record`: the `--record` level of the repltap relays (their default when not given). */
export async function startRelay(kind: RelayKind, masterPort: number, tracePath: string | null, record?: RecordLevel): Promise<Relay> {
  if (kind === 'direct') {
    return { kind, port: masterPort, pid: null, cpu: () => 0, peakRss: () => 0, stop: async () => {} };
  }
  const port = await freePort();
  const args =
    kind === 'socat'
      ? ['socat', [`TCP-LISTEN:${port},bind=127.0.0.1,reuseaddr,fork,nodelay`, `TCP:127.0.0.1:${masterPort},nodelay`]]
      : kind === 'node-pipe'
        ? [process.execPath, ['--import', 'tsx', join(root, 'bench', 'node-pipe.ts'), String(port), String(masterPort)]]
        : kind in BREAKDOWN_KINDS
          ? [process.execPath, ['--import', 'tsx', join(root, 'bench', 'node-decode.ts'), String(port), String(masterPort), BREAKDOWN_KINDS[kind as keyof typeof BREAKDOWN_KINDS], ...(tracePath ? [tracePath] : [])]]
          : [process.execPath, [join(kind.startsWith('tap-baseline') ? process.env.REPLTAP_BENCH_BASELINE! : join(root, 'dist'), 'cli', 'main.js'), 'proxy', '--master', `127.0.0.1:${masterPort}`, '--listen', `127.0.0.1:${port}`, '--log-level', 'warn', ...(tracePath ? ['--trace', tracePath] : []), ...(kind === 'tap-unmatched-fault' ? ['--fault', UNMATCHED_FAULT] : []), ...(kind.endsWith('rdb-none') ? ['--rdb', 'none'] : []), ...(record ? ['--record', record] : [])]];
  const child: ChildProcess = spawn(args[0] as string, args[1] as string[], { stdio: ['ignore', 'ignore', 'inherit'] });
  await waitFor(`${kind} to listen on ${port}`, 10_000, () =>
    new Promise<boolean>((resolve) => {
      const probe = connect({ host: '127.0.0.1', port });
      probe.once('connect', () => {
        probe.destroy();
        resolve(true);
      });
      probe.once('error', () => resolve(false));
    }),
  );
  const pid = child.pid!;
  // socat forks one child per connection: count the whole process tree, children gone included.
  const tree = (): number[] => [pid, ...childrenOf(pid)];
  let lastCpu = 0;
  let lastRss = 0;
  return {
    kind,
    port,
    pid,
    cpu: () => (lastCpu = Math.max(lastCpu, safe(() => cpuSeconds(pid, true)) + childrenOf(pid).reduce((sum, p) => sum + safe(() => cpuSeconds(p)), 0))),
    peakRss: () => (lastRss = Math.max(lastRss, ...tree().map((p) => safe(() => peakRssMiB(p))))),
    stop: async () => {
      child.kill('SIGTERM');
      await Promise.race([new Promise((r) => child.once('exit', r)), sleep(5000)]);
      child.kill('SIGKILL');
    },
  };
}

function childrenOf(pid: number): number[] {
  try {
    return readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim().split(/\s+/).filter(Boolean).map(Number);
  } catch {
    return [];
  }
}

function safe(read: () => number): number {
  try {
    return read();
  } catch {
    return 0;
  }
}
