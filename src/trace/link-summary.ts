import type { ByDirection, DecodeErrorEvent, FaultEvent, LinkEvent } from '../link/events.js';
import { StreamArrivals } from '../link/stream-arrivals.js';
import type { TraceRecord } from './format.js';
import { refusalCause, type Refusal } from './refusal-causes.js';
import { counted } from '../counted.js';

/** One PSYNC or SYNC and what came of it. */
export interface SyncAttempt {
  at: number;
  request: string;
  /** `full`: +FULLRESYNC or a bare RDB after SYNC; `partial`: +CONTINUE; `error`: an error reply; `none`: the link ended first. */
  outcome: 'full' | 'partial' | 'error' | 'none';
  reply: string | null;
  replid: string | null;
  /** Offset the stream resumes from. */
  offset: number | null;
  /** When the master answered. */
  answeredAt: number | null;
  rdb: RdbTransfer | null;
  /** Why it went the way it did, where the trace shows it (a fault, the backlog, the replid, the previous link). */
  cause: string | null;
  /** The main reason in a few words, to count syncs by across links (`backlog overflow`, `wrong password`). */
  causeKind: string | null;
}

export interface RdbTransfer {
  framing: 'length' | 'eof';
  announced: number | null;
  bytes: number | null;
  rdbVersion: number | null;
  /** From the decoded content: keys, per type, the checksum, and AUX fields. */
  keys: number | null;
  types: Record<string, number> | null;
  checksum: string | null;
  aux: Record<string, string>;
  beganAt: number;
  endedAt: number | null;
  /** Master-side positions of the payload's first byte and of the end of the transfer (null until it ends). */
  beganPos: number;
  endedPos: number | null;
}

export interface AckStats {
  count: number;
  lastOffset: number | null;
  lastAt: number | null;
  /** Bytes the master was ahead at each ACK. */
  lagBytes: { max: number; p50: number; p99: number } | null;
  /**
   * At each ACK that confirmed bytes no ACK had confirmed before: how long ago the master had sent
   * the last of them (an ACK repeating the offset of the one before, as on an idle link, is not
   * counted again). Dated to within a millisecond on a link whose ACKs keep coming.
   */
  lagMs: { max: number; p50: number; p99: number } | null;
  /** Every ACK's lag in bytes and (where it could be dated) in ms, for statistics over several links. */
  samples: { bytes: number[]; ms: number[] };
  /**
   * Stream bytes sent after the replica's last ACK when the link closed (or the trace ended), and
   * when the first of them was sent: since when the replica was behind. Null when it had
   * acknowledged all it was sent, or never sent an ACK.
   */
  unconfirmedAtEnd: { bytes: number; since: number } | null;
}

export interface LinkSummary {
  link: number;
  replica: string | null;
  master: string | null;
  openedAt: number | null;
  closedAt: number | null;
  closeReason: string | null;
  closePhase: string | null;
  /** Bytes that arrived at the tap each way, and those it had handed on when the link closed (null where not recorded). */
  bytes: ByDirection | null;
  forwarded: ByDirection | null;
  /** Handshake commands with their replies, in order (`PING → +PONG`). */
  handshake: string[];
  /** Why the handshake failed, for a link that ended on an error reply before any sync; else null. */
  handshakeCause: Refusal | null;
  syncs: SyncAttempt[];
  commands: number;
  commandsByName: Map<string, number>;
  transactions: number;
  pings: number;
  getacks: number;
  firstOffset: number | null;
  lastOffset: number | null;
  keepalives: ByDirection;
  acks: AckStats;
  errors: DecodeErrorEvent[];
  /** Faults that acted on this link, in order. */
  faults: FaultEvent[];
}

interface Work {
  summary: LinkSummary;
  pendingCommands: string[];
  lagBytes: number[];
  lagMs: number[];
  /** When the stream reached each offset, until an ACK confirms it: dates ACKs, and what none confirmed. */
  arrivals: StreamArrivals;
}

/** How an earlier link of the same trace ended: what explains the next link's sync. */
interface EndedLink {
  link: number;
  reason: string;
  phase: string;
  cutBy: FaultEvent | null;
}

/** Builds a per-link summary by streaming over a trace's records once. */
export class LinkSummarizer {
  private readonly links = new Map<number, Work>();
  /** The master's replid as last seen on any link. */
  private masterReplid: string | null = null;
  private lastEnded: EndedLink | null = null;

  add(record: TraceRecord): void {
    if (record.type === 'raw') return;
    this.event(record);
  }

  event(event: LinkEvent): void {
    const work = this.work(event.link);
    const s = work.summary;
    switch (event.type) {
      case 'link-open':
        s.replica = event.replica;
        s.master = event.master;
        s.openedAt = event.t;
        break;
      case 'handshake':
        if (event.dir === 'r2m') {
          work.pendingCommands.push(event.command);
        } else {
          const command = work.pendingCommands.shift();
          const attempt = s.syncs.at(-1);
          if (command === undefined && attempt !== undefined && attempt.reply === null) {
            // The answer to PSYNC/SYNC itself: an error, or Valkey's +DUALCHANNELSYNC.
            this.syncReply(work, event.t, event.reply, event.reply.startsWith('-') ? 'error' : 'full');
          } else {
            s.handshake.push(`${command ?? '(unsolicited)'} → ${event.reply}`);
          }
        }
        break;
      case 'psync':
      case 'sync':
        // The PSYNC's own handshake line waits for the sync reply, which is shown with the attempt.
        work.pendingCommands.pop();
        s.syncs.push({
          at: event.t,
          request: event.type === 'psync' ? `PSYNC ${event.replid} ${event.offset}` : 'SYNC',
          outcome: 'none',
          reply: null,
          replid: null,
          offset: null,
          answeredAt: null,
          rdb: null,
          cause: null,
          causeKind: null,
        });
        break;
      case 'fullresync':
        this.syncReply(work, event.t, `+FULLRESYNC ${event.replid} ${event.offset}`, 'full', event.replid, event.offset);
        this.explain(s, event.replid, event.offset);
        break;
      case 'continue':
        this.syncReply(work, event.t, `+CONTINUE${event.replid ? ` ${event.replid}` : ''}`, 'partial', event.replid, event.offset);
        this.explain(s, event.replid, event.offset);
        this.streamAt(s, event.offset);
        break;
      case 'fault':
        s.faults.push(event);
        break;
      case 'endoff':
        this.syncReply(work, event.t, `$ENDOFF:${event.offset} ${event.replid}`, 'full', event.replid, event.offset);
        break;
      case 'rdb-begin': {
        let attempt = s.syncs.at(-1);
        if (attempt === undefined || attempt.rdb !== null) {
          attempt = { at: event.t, request: '(none seen)', outcome: 'full', reply: null, replid: null, offset: null, answeredAt: event.t, rdb: null, cause: null, causeKind: null };
          s.syncs.push(attempt);
        }
        if (attempt.outcome === 'none') attempt.outcome = 'full';
        // SYNC has no reply line: the RDB is the master's answer.
        if (attempt.request === 'SYNC' && attempt.causeKind === null) this.explain(s, null, null);
        attempt.rdb = { framing: event.framing, announced: event.length, bytes: null, rdbVersion: null, keys: null, types: null, checksum: null, aux: {}, beganAt: event.t, endedAt: null, beganPos: event.pos, endedPos: null };
        break;
      }
      case 'rdb-end': {
        const rdb = s.syncs.at(-1)?.rdb;
        if (rdb) {
          rdb.bytes = event.bytes;
          rdb.rdbVersion = event.rdbVersion;
          rdb.endedAt = event.t;
          rdb.endedPos = event.pos ?? null;
          rdb.keys = event.keys ?? null;
          rdb.types = event.types ?? null;
          rdb.checksum = event.checksum ?? null;
        }
        // After SYNC, which answers with no offset, the stream's offsets count from 0.
        const attempt = s.syncs.at(-1);
        this.streamAt(s, attempt?.offset ?? (attempt?.request === 'SYNC' ? 0 : null));
        break;
      }
      case 'rdb-aux': {
        const rdb = s.syncs.at(-1)?.rdb;
        if (rdb) rdb.aux[event.key] = event.value;
        break;
      }
      case 'command':
        s.commands++;
        s.commandsByName.set(event.name, (s.commandsByName.get(event.name) ?? 0) + 1);
        if (event.name === 'multi') s.transactions++;
        this.sentFrame(work, event.offset, event.t);
        break;
      case 'ping':
        s.pings++;
        this.sentFrame(work, event.offset, event.t);
        break;
      case 'getack':
        s.getacks++;
        this.sentFrame(work, event.offset, event.t);
        break;
      case 'ack':
        this.ack(work, event.offset, event.lag, event.t);
        break;
      case 'keepalive':
        s.keepalives[event.dir]++;
        break;
      case 'decode-error':
        s.errors.push(event);
        break;
      case 'link-close':
        s.closedAt = event.t;
        s.closeReason = event.reason;
        s.closePhase = event.phase;
        s.bytes = event.bytes;
        s.forwarded = event.forwarded ?? null;
        this.lastEnded = { link: s.link, reason: event.reason, phase: event.phase, cutBy: s.faults.find((f) => f.action === 'disconnect') ?? null };
        break;
    }
  }

  /** Why a sync went full or partial, from what the trace showed before it. */
  private explain(s: LinkSummary, replid: string | null, offset: number | null): void {
    const attempt = s.syncs.at(-1);
    if (attempt === undefined) return;
    // The master's history as known before this answer, else the one it answers with.
    const known = this.masterReplid ?? replid;
    if (replid !== null) this.masterReplid = replid;
    const reasons: string[] = [];
    let kind: string | null = null;
    const rewrite = s.faults.find((f) => f.action === 'rewrite-psync');
    const asked = /^PSYNC (\S+) (-?\d+)$/.exec(attempt.request);
    if (attempt.outcome === 'partial') {
      kind = 'offset in the backlog';
      reasons.push(`the master still held offset ${offset ?? '?'} in its backlog`);
    } else if (rewrite) {
      kind = 'PSYNC rewritten by a fault';
      reasons.push(`fault ${rewrite.id} ${rewrite.detail}`);
    } else if (attempt.request === 'SYNC') {
      kind = 'SYNC';
      reasons.push('SYNC (without PSYNC) always means a full sync');
    } else if (asked && asked[1] === '?') {
      kind = 'no history to resume';
      reasons.push('the replica had no replication history to resume (first sync, or it gave its history up)');
    } else if (asked && known !== null && asked[1] !== known) {
      kind = 'another history';
      reasons.push(`the replica asked for history ${asked[1]!.slice(0, 8)}…, not the master's ${known.slice(0, 8)}… (a first sync from this master, its restart, or a failover)`);
    } else if (asked && offset !== null) {
      const gap = offset - (Number(asked[2]) - 1);
      kind = gap > 0 ? 'backlog overflow' : 'offset refused';
      reasons.push(gap > 0 ? `offset ${asked[2]} was no longer in the master's backlog: the master was ${counted(gap, 'byte')} ahead (more than repl-backlog-size kept)` : `the master refused offset ${asked[2]} (replid unknown to it, or no backlog)`);
    }
    attempt.causeKind = kind;
    reasons.push(...toolRequests(s.handshake));
    const ended = this.lastEnded;
    if (ended !== null && ended.link !== s.link) {
      const how = ended.cutBy ? `cut by fault ${ended.cutBy.id} (${ended.cutBy.detail})` : ended.reason;
      reasons.push(`after link ${ended.link} ended in phase ${ended.phase}: ${how}`);
    }
    attempt.cause = reasons.length > 0 ? reasons.join('; ') : null;
  }

  summaries(): LinkSummary[] {
    return [...this.links.values()].map((w) => {
      for (const command of w.pendingCommands.splice(0)) w.summary.handshake.push(`${command} → (no reply)`);
      w.summary.acks.lagBytes = percentiles(w.lagBytes);
      w.summary.acks.lagMs = percentiles(w.lagMs);
      w.summary.acks.samples = { bytes: w.lagBytes, ms: w.lagMs };
      w.summary.acks.unconfirmedAtEnd = unconfirmedAtEnd(w);
      if (w.summary.syncs.length === 0) w.summary.handshakeCause = handshakeCause(w.summary.handshake);
      return w.summary;
    });
  }

  private work(link: number): Work {
    let work = this.links.get(link);
    if (work === undefined) {
      work = {
        summary: {
          link,
          replica: null,
          master: null,
          openedAt: null,
          closedAt: null,
          closeReason: null,
          closePhase: null,
          bytes: null,
          forwarded: null,
          handshake: [],
          handshakeCause: null,
          syncs: [],
          commands: 0,
          commandsByName: new Map(),
          transactions: 0,
          pings: 0,
          getacks: 0,
          firstOffset: null,
          lastOffset: null,
          keepalives: { m2r: 0, r2m: 0 },
          acks: { count: 0, lastOffset: null, lastAt: null, lagBytes: null, lagMs: null, samples: { bytes: [], ms: [] }, unconfirmedAtEnd: null },
          errors: [],
          faults: [],
        },
        pendingCommands: [],
        lagBytes: [],
        lagMs: [],
        arrivals: new StreamArrivals(),
      };
      this.links.set(link, work);
    }
    return work;
  }

  private syncReply(work: Work, t: number, reply: string, outcome: SyncAttempt['outcome'], replid: string | null = null, offset: number | null = null): void {
    const attempt = work.summary.syncs.at(-1);
    if (attempt === undefined || attempt.reply !== null) return;
    attempt.answeredAt = t;
    attempt.reply = reply;
    attempt.outcome = outcome;
    if (outcome === 'error') {
      const refusal = refusalCause(reply, authRefused(work.summary.handshake));
      attempt.cause = refusal?.text ?? null;
      attempt.causeKind = refusal?.kind ?? null;
    }
    attempt.replid = replid;
    attempt.offset = offset;
  }

  private streamAt(s: LinkSummary, offset: number | null): void {
    if (offset !== null && s.firstOffset === null) s.firstOffset = offset;
  }

  private sentFrame(work: Work, offset: number, t: number): void {
    work.summary.lastOffset = offset;
    work.arrivals.note(offset, t);
  }

  private ack(work: Work, offset: number, lag: number | null, t: number): void {
    const acks = work.summary.acks;
    // Only an ACK past what was confirmed before (or past the stream's start) confirms a byte sent.
    const confirmedBefore = acks.lastOffset ?? work.summary.firstOffset;
    acks.count++;
    acks.lastOffset = offset;
    acks.lastAt = t;
    if (lag !== null) work.lagBytes.push(lag);
    if (confirmedBefore === null || offset > confirmedBefore) {
      // The checkpoint that reached `offset` dates it; what the ACK confirms is then forgotten.
      const sentAt = work.arrivals.unconfirmedSince(offset - 1);
      if (sentAt !== null) work.lagMs.push(t - sentAt);
    }
    work.arrivals.confirm(offset);
  }
}

/** What the replica had not acknowledged at the end of the link: the stream sent after its last ACK. */
function unconfirmedAtEnd(work: Work): AckStats['unconfirmedAtEnd'] {
  const acked = work.summary.acks.lastOffset;
  const last = work.summary.lastOffset;
  if (acked === null || last === null || last <= acked) return null;
  const since = work.arrivals.unconfirmedSince(acked);
  return since === null ? null : { bytes: last - acked, since };
}

/**
 * The RDB a link's replica was left without, whole: the link closed during its transfer, or after
 * the tap had read all of it but before handing all of it on (a fault held the rest). Such a
 * replica has nothing to resume from and must sync in full again. Null otherwise.
 */
export function rdbCutShort(s: LinkSummary): { rdb: RdbTransfer | null; sent: number | null } | null {
  if (s.closedAt === null) return null;
  const rdb = s.syncs.at(-1)?.rdb ?? null;
  const forwarded = s.forwarded?.m2r ?? null;
  const sent = rdb === null || forwarded === null ? null : Math.max(0, forwarded - rdb.beganPos);
  if (s.closePhase === 'rdb') return { rdb, sent };
  if (rdb !== null && rdb.endedPos !== null && forwarded !== null && forwarded < rdb.endedPos) return { rdb, sent };
  return null;
}

/**
 * What a client's handshake asked for that replicas never do: tools such as redis-cli speak the
 * replication protocol to take a snapshot (--rdb, --functions-rdb) or watch the stream (--replica).
 */
function toolRequests(handshake: readonly string[]): string[] {
  const out: string[] = [];
  for (const line of handshake) {
    if (/^REPLCONF rdb-only 1 → \+OK/i.test(line)) {
      out.push('the client asked for the RDB alone (REPLCONF rdb-only 1): a tool taking a snapshot, such as redis-cli --rdb, not a replica');
    }
    const filter = /^REPLCONF rdb-filter-only (.*) → \+OK/i.exec(line);
    if (filter) {
      out.push(
        filter[1] === '""'
          ? 'the client asked for an RDB without keys (REPLCONF rdb-filter-only ""): a tool watching the stream, such as redis-cli --replica, not a replica'
          : `the client asked for an RDB of ${filter[1]} only (REPLCONF rdb-filter-only ${filter[1]})`,
      );
    }
  }
  return out;
}

/** Max, median and 99th percentile, or null without values. */
export function percentiles(values: number[]): { max: number; p50: number; p99: number } | null {
  if (values.length === 0) return null;
  const sorted = Float64Array.from(values).sort();
  const at = (q: number): number => sorted[Math.min(sorted.length - 1, Math.floor(q * sorted.length))]!;
  return { max: sorted[sorted.length - 1]!, p50: at(0.5), p99: at(0.99) };
}

/** Whether the replica's AUTH was answered with an error. */
function authRefused(handshake: readonly string[]): boolean {
  return handshake.some((line) => line.startsWith('AUTH ') && line.includes(' → -'));
}

/** Why a link's handshake failed: the first error reply in it whose meaning is known, AUTH's first (a refused password explains the rest). */
function handshakeCause(handshake: readonly string[]): Refusal | null {
  const refused = authRefused(handshake);
  const authFirst = [...handshake.filter((line) => line.startsWith('AUTH ')), ...handshake];
  for (const line of authFirst) {
    const reply = line.slice(line.lastIndexOf(' → ') + 3);
    const cause = reply.startsWith('-') ? refusalCause(reply, refused) : null;
    if (cause !== null) return cause;
  }
  return null;
}
