import type { ByDirection } from '../link/events.js';
import type { TraceHeader } from './format.js';
import { percentiles, type LinkSummary } from './link-summary.js';

type Spread = { max: number; p50: number; p99: number } | null;

export interface TraceStats {
  source: TraceHeader['source'];
  master: string;
  record: TraceHeader['record'];
  startedAt: number;
  /** From the first record to the last. */
  durationMs: number;
  links: number;
  bytes: ByDirection;
  commands: { total: number; byName: Record<string, number> };
  /** Each sync with its reason in a few words (`backlog overflow`, `wrong password`) and in full, where the trace shows it. */
  syncs: { link: number; kind: 'full' | 'partial' | 'refused' | 'unanswered'; ms: number | null; rdbBytes: number | null; reason: string | null; why: string | null }[];
  acks: { count: number; lagBytes: Spread; lagMs: Spread };
  faults: number;
  decodeErrors: number;
}

/** Figures over a whole trace, from its per-link summaries. */
export function traceStats(header: TraceHeader, links: LinkSummary[], lastT: number): TraceStats {
  const byName = new Map<string, number>();
  const bytes: ByDirection = { m2r: 0, r2m: 0 };
  const lagBytes: number[] = [];
  const lagMs: number[] = [];
  const syncs: TraceStats['syncs'] = [];
  for (const link of links) {
    for (const [name, n] of link.commandsByName) byName.set(name, (byName.get(name) ?? 0) + n);
    bytes.m2r += link.bytes?.m2r ?? 0;
    bytes.r2m += link.bytes?.r2m ?? 0;
    lagBytes.push(...link.acks.samples.bytes);
    lagMs.push(...link.acks.samples.ms);
    for (const sync of link.syncs) {
      const kind = sync.outcome === 'full' ? 'full' : sync.outcome === 'partial' ? 'partial' : sync.outcome === 'error' ? 'refused' : 'unanswered';
      // A full sync lasts until its RDB is in; a partial one until the master's answer.
      const end = sync.outcome === 'full' ? (sync.rdb?.endedAt ?? null) : sync.answeredAt;
      syncs.push({ link: link.link, kind, ms: end === null ? null : end - sync.at, rdbBytes: sync.rdb?.bytes ?? null, reason: sync.causeKind, why: sync.cause });
    }
  }
  const sorted = [...byName.entries()].sort((a, b) => b[1] - a[1]);
  return {
    source: header.source,
    master: header.master,
    record: header.record,
    startedAt: header.startedAt,
    durationMs: Math.max(0, lastT - header.startedAt),
    links: links.length,
    bytes,
    commands: { total: sorted.reduce((n, [, c]) => n + c, 0), byName: Object.fromEntries(sorted) },
    syncs,
    acks: { count: links.reduce((n, l) => n + l.acks.count, 0), lagBytes: percentiles(lagBytes), lagMs: percentiles(lagMs) },
    faults: links.reduce((n, l) => n + l.faults.length, 0),
    decodeErrors: links.reduce((n, l) => n + l.errors.length, 0),
  };
}
