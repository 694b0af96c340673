import { formatBytes } from '../link/describe.js';
import { counted } from '../counted.js';
import { unforwarded } from '../link/unforwarded.js';
import type { TraceHeader } from '../trace/format.js';
import { rdbCutShort, type LinkSummary, type SyncAttempt } from '../trace/link-summary.js';
import { formatClockTime, formatDuration } from './time-format.js';

function shortId(replid: string | null): string {
  return replid && replid.length === 40 ? `${replid.slice(0, 8)}…` : (replid ?? '?');
}

function label(name: string): string {
  return `  ${name.padEnd(12)} `;
}

const INDENT = ' '.repeat(15);

export function renderHeader(path: string, header: TraceHeader): string {
  const started = new Date(header.startedAt).toISOString().replace('T', ' ').slice(0, 19);
  const listen = header.listen ? `, listening on ${header.listen}` : '';
  return `trace ${path}: ${header.source} recorded by ${header.tool} ${header.toolVersion} from ${started} UTC, master ${header.master}${listen}, --record ${header.record}\n`;
}

function renderSync(attempt: SyncAttempt, index: number, openedAt: number): string[] {
  const lines: string[] = [];
  const request = attempt.request.replace(/[0-9a-f]{40}/, (id) => shortId(id));
  const reply = attempt.reply ? attempt.reply.replace(/[0-9a-f]{40}/, (id) => shortId(id)) : attempt.request === 'SYNC' && attempt.rdb !== null ? 'the RDB (SYNC has no reply line)' : '(no reply)';
  const kind = { full: 'full resync', partial: 'partial resync', error: 'refused', none: 'no outcome before the link ended' }[attempt.outcome];
  lines.push(`${label(`sync ${index + 1}`)}+${formatDuration(attempt.at - openedAt)}  ${request} → ${reply}: ${kind}`);
  if (attempt.cause !== null) lines.push(`${INDENT}why: ${attempt.cause}`);
  const rdb = attempt.rdb;
  if (rdb) {
    const framing = rdb.framing === 'eof' ? 'diskless ($EOF:)' : `disk-based ($${rdb.announced})`;
    if (rdb.endedAt !== null && rdb.bytes !== null) {
      const ms = rdb.endedAt - rdb.beganAt;
      const rate = ms > 0 ? `, ${formatBytes((rdb.bytes / ms) * 1000)}/s` : '';
      lines.push(`${INDENT}RDB ${framing}, ${formatBytes(rdb.bytes)}, RDB version ${rdb.rdbVersion ?? '?'}, ${formatDuration(ms)}${rate}`);
      if (rdb.keys !== null) {
        const types = Object.entries(rdb.types ?? {}).sort((a, b) => b[1] - a[1]).map(([type, n]) => `${type} ${n}`).join(', ');
        const from = rdb.aux['redis-ver'] ? ` from redis ${rdb.aux['redis-ver']}` : rdb.aux['valkey-ver'] ? ` from valkey ${rdb.aux['valkey-ver']}` : '';
        const checksum = rdb.checksum === 'unchecked' ? 'checksum left to the replica to verify' : `checksum ${rdb.checksum}`;
        lines.push(`${INDENT}${counted(rdb.keys, 'key')}${types ? ` (${types})` : ''}${from}, ${checksum}`);
      }
    } else {
      lines.push(`${INDENT}RDB ${framing}: did not complete`);
    }
  }
  return lines;
}

/** The readable timeline of one link. */
export function renderLink(s: LinkSummary): string {
  const openedAt = s.openedAt ?? s.syncs[0]?.at ?? 0;
  const lines: string[] = [];
  const span = s.openedAt !== null && s.closedAt !== null ? `, ${formatClockTime(s.openedAt)} → ${formatClockTime(s.closedAt)} (${formatDuration(s.closedAt - s.openedAt)})` : s.openedAt !== null ? `, from ${formatClockTime(s.openedAt)} (still open when the trace ended)` : '';
  lines.push(`link ${s.link}: replica ${s.replica ?? '?'} ⇄ master ${s.master ?? '?'}${span}`);
  s.handshake.forEach((step, i) => lines.push(`${i === 0 ? label('handshake') : INDENT}${step}`));
  if (s.handshakeCause !== null) lines.push(`${INDENT}why: ${s.handshakeCause.text}`);
  s.syncs.forEach((attempt, i) => lines.push(...renderSync(attempt, i, openedAt)));
  if (s.firstOffset !== null || s.commands > 0 || s.pings > 0) {
    const top = [...s.commandsByName.entries()].sort((a, b) => b[1] - a[1]);
    const names = top.slice(0, 8).map(([name, n]) => `${name} ${n}`).join(', ') + (top.length > 8 ? `, ${counted(top.length - 8, 'more kind')}` : '');
    const range = `offsets ${s.firstOffset ?? '?'} → ${s.lastOffset ?? s.firstOffset ?? '?'}`;
    lines.push(`${label('stream')}${range}: ${counted(s.commands, 'command')}${names ? ` (${names})` : ''}`);
    lines.push(`${INDENT}${counted(s.transactions, 'MULTI/EXEC block')}, ${counted(s.pings, 'ping')}, ${counted(s.getacks, 'GETACK')}`);
  }
  if (s.acks.count > 0) {
    const lag = s.acks.lagBytes ? `; lag max ${formatBytes(s.acks.lagBytes.max)}, p99 ${formatBytes(s.acks.lagBytes.p99)}` : '';
    const delay = s.acks.lagMs ? `; ack delay max ${formatDuration(s.acks.lagMs.max)}, p99 ${formatDuration(s.acks.lagMs.p99)}` : '';
    lines.push(`${label('acks')}${s.acks.count}, last ${s.acks.lastOffset} at +${formatDuration((s.acks.lastAt ?? openedAt) - openedAt)}${lag}${delay}`);
    const behind = s.acks.unconfirmedAtEnd;
    if (behind !== null) lines.push(`${INDENT}at the end ${formatBytes(behind.bytes)} not yet acknowledged, sent from +${formatDuration(behind.since - openedAt)} on`);
  }
  if (s.keepalives.m2r + s.keepalives.r2m > 0) {
    lines.push(`${label('keep-alives')}${s.keepalives.m2r} from the master, ${s.keepalives.r2m} from the replica`);
  }
  s.faults.forEach((f, i) => lines.push(`${i === 0 ? label('faults') : INDENT}+${formatDuration(f.t - openedAt)}  fault ${f.id} (${f.action}) ${f.detail}${f.offset === null ? '' : ` at offset ${f.offset}`}`));
  if (s.errors.length === 0) {
    lines.push(`${label('decoding')}no errors`);
  } else {
    for (const [i, e] of s.errors.entries()) {
      const dir = e.dir === 'm2r' ? 'master → replica' : 'replica → master';
      lines.push(`${i === 0 ? label('decoding') : INDENT}error ${dir} at byte ${e.at}: ${e.message}; the rest of that direction was forwarded undecoded`);
    }
  }
  if (s.closedAt !== null) {
    const bytes = s.bytes ? `; ${formatBytes(s.bytes.m2r)} master → replica, ${formatBytes(s.bytes.r2m)} replica → master` : '';
    lines.push(`${label('closed')}+${formatDuration(s.closedAt - openedAt)}: ${s.closeReason} (phase ${s.closePhase})${bytes}`);
    const never = s.forwarded !== null && s.bytes !== null ? unforwarded(s.bytes, s.forwarded) : null;
    if (never !== null && (never.m2r > 0 || never.r2m > 0)) {
      // Bytes that arrive once the other side has closed cannot be forwarded either.
      const why = s.faults.length > 0 ? 'held by faults, or arrived once the other side had closed' : 'arrived once the other side had closed';
      lines.push(`${INDENT}never forwarded: ${formatBytes(never.m2r)} master → replica, ${formatBytes(never.r2m)} replica → master (${why})`);
    }
    const cut = rdbCutShort(s);
    if (cut !== null && cut.rdb !== null && cut.sent !== null) {
      const { rdb, sent } = cut;
      const of = rdb.bytes !== null ? ` of the ${formatBytes(rdb.bytes)} the tap had read` : rdb.announced !== null ? ` of ${formatBytes(rdb.announced)} announced` : '';
      lines.push(`${INDENT}the replica had been sent ${formatBytes(rdb.bytes !== null ? Math.min(sent, rdb.bytes) : sent)} of the RDB${of}: it must sync in full again`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** How many of each, most first: `backlog overflow 10, another history 2`. */
function tally(names: readonly string[]): string {
  const counts = new Map<string, number>();
  for (const name of names) counts.set(name, (counts.get(name) ?? 0) + 1);
  return [...counts.entries()].sort((a, b) => b[1] - a[1]).map(([name, n]) => `${name} ${n}`).join(', ');
}

/**
 * What a trace of several links adds up to, for the question its links answer one at a time: why
 * does this replica keep syncing (or never does)? Syncs by outcome and reason, links that never got
 * to one, and why links closed.
 */
export function renderOverview(links: readonly LinkSummary[]): string {
  if (links.length === 0) return 'no links in this trace\n';
  const lines: string[] = [];
  const opened = links.map((s) => s.openedAt).filter((t): t is number => t !== null);
  const closed = links.map((s) => s.closedAt).filter((t): t is number => t !== null);
  const span = opened.length > 0 ? `, ${formatClockTime(Math.min(...opened))} → ${closed.length > 0 ? formatClockTime(Math.max(...closed, ...opened)) : '?'}` : '';
  lines.push(`${label('overview')}${counted(links.length, 'link')}${span}`);
  const syncs = links.flatMap((s) => s.syncs);
  const by = (outcome: SyncAttempt['outcome'], name: string): string | null => {
    const these = syncs.filter((a) => a.outcome === outcome);
    if (these.length === 0) return null;
    const reasons = tally(these.map((a) => a.causeKind ?? 'reason not shown'));
    return `${these.length} ${name} (${reasons})`;
  };
  const outcomes = [by('full', 'full'), by('partial', 'partial'), by('error', 'refused'), by('none', 'unanswered')].filter((x) => x !== null);
  lines.push(`${INDENT}syncs: ${outcomes.length > 0 ? outcomes.join('; ') : 'none'}`);
  const noSync = links.filter((s) => s.syncs.length === 0);
  if (noSync.length > 0) lines.push(`${INDENT}${counted(noSync.length, 'link')} ended before any sync (${tally(noSync.map((s) => s.handshakeCause?.kind ?? (s.closedAt === null ? 'still open' : `closed in phase ${s.closePhase ?? '?'}`)))})`);
  const midRdb = links.filter((s) => rdbCutShort(s) !== null);
  if (midRdb.length > 0) {
    // A replica that never gets a whole RDB has nothing to resume from: each such cut means another full sync.
    lines.push(
      `${INDENT}${counted(midRdb.length, 'link')} ended during the RDB transfer (${tally(midRdb.map((s) => s.closeReason ?? '?'))}): ` +
        'each leaves the replica to start a full sync again, a sync loop when it repeats; the servers\' logs say why (often client-output-buffer-limit replica, or repl-timeout)',
    );
  }
  const reasons = links.filter((s) => s.closeReason !== null).map((s) => s.closeReason!);
  if (reasons.length > 0) lines.push(`${INDENT}closed: ${tally(reasons)}`);
  return `${lines.join('\n')}\n`;
}

/** Every link's timeline, then, for a trace of several, the overview. */
export function renderTimeline(links: readonly LinkSummary[]): string {
  if (links.length === 0) return 'no links in this trace\n';
  const timelines = links.map(renderLink).join('\n');
  return links.length > 1 ? `${timelines}\n${renderOverview(links)}` : timelines;
}
