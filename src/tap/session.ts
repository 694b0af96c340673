import { connect, type Socket } from 'node:net';
import type { Clock } from '../clock.js';
import type { PhaseMark } from '../faults/chunk-map.js';
import type { FaultPlanner, Step } from '../faults/planner.js';
import type { ByDirection, Direction, FaultEvent, LinkEvent, RecordedEvent } from '../link/events.js';
import type { LinkDecoderOptions } from '../link/decoder-options.js';
import { LinkDecoder } from '../link/link-decoder.js';
import { RawRedactor, type RawPiece } from '../link/raw-redactor.js';
import type { LinkState } from '../link/link-state.js';
import { StreamArrivals } from '../link/stream-arrivals.js';
import type { CommandScannerOptions } from '../resp/command-scanner.js';
import type { RawRecord } from '../trace/format.js';
import { formatHostPort, type HostPort } from './address.js';
import type { LinkInfo } from './link-info.js';
import { Pipe, type PipeHooks } from './pipe.js';
import { ReadBuffers } from './read-buffers.js';

/** How long a side may take to finish after the other closed before it is cut. */
const CLOSE_GRACE_MS = 2000;

/**
 * During an RDB transfer, how long the master's socket is left unread after a read that emptied it.
 * The bytes gather in the kernel meanwhile, so the transfer takes fewer, fuller reads and writes
 * and wakes the tap less often; each chunk costs about the same to read, decode and write whatever
 * its size (BENCHMARKS.md). The last bytes of the RDB reach the replica at most this much later. The
 * stream is never paused: there, each write's delay is what users watch.
 */
const RDB_READ_PAUSE_MS = 1;

export interface SessionOptions {
  master: HostPort;
  clock: Clock;
  args: boolean;
  rdb: LinkDecoderOptions['rdb'];
  raw: boolean;
  recordSecrets: boolean;
  digests: boolean;
  scanner: Partial<CommandScannerOptions>;
  faults: FaultPlanner;
}

/** Where a session sends what it observes. */
export interface SessionSink {
  /** Events decoded from one chunk (or one link milestone), in order; command runs where the decoder made them. */
  events(events: RecordedEvent[]): void;
  raw(record: RawRecord): void;
  /** Whether something the events reach may keep them after the call (an `event` listener of the library, now or before). */
  keepsEvents(): boolean;
  closed(session: LinkSession): void;
}

/** One replica connection and its own connection to the master, forwarded and decoded. */
export class LinkSession {
  readonly decoder: LinkDecoder;
  private readonly master: Socket;
  private readonly replicaAddress: string;
  private readonly openedAt: number;
  private toMaster: Pipe | null = null;
  private toReplica: Pipe | null = null;
  private reason: string | null = null;
  private connected = false;
  private openSockets = 2;
  private ackOffset: number | null = null;
  private lastAckAt: number | null = null;
  private readonly arrivals = new StreamArrivals();
  private graceTimer: NodeJS.Timeout | null = null;
  private cutting = false;
  private readonly buffers: ReadBuffers;
  private readonly masterReads = { reads: 0, pauses: 0 };
  /** At --record full without --record-secrets: what of the replica's bytes is recorded. */
  private readonly redactor: RawRedactor | null;

  constructor(
    readonly id: number,
    private readonly replica: Socket,
    private readonly opts: SessionOptions,
    private readonly sink: SessionSink,
  ) {
    this.decoder = new LinkDecoder({ link: id, args: opts.args, rdb: opts.rdb, recordSecrets: opts.recordSecrets, scanner: opts.scanner });
    this.redactor = opts.raw && !opts.recordSecrets ? new RawRedactor() : null;
    this.replicaAddress = formatHostPort({ host: replica.remoteAddress ?? '?', port: replica.remotePort ?? 0 });
    this.openedAt = opts.clock();
    // Nothing is read from the replica until the master connection exists to take it.
    replica.pause();
    replica.setNoDelay(true);
    // The master side carries nearly all the bytes: it is read with `onread` (see ReadBuffers).
    this.buffers = new ReadBuffers(() => this.readsReleased());
    this.master = connect({
      host: opts.master.host,
      port: opts.master.port,
      onread: { buffer: this.buffers.next, callback: (n: number) => this.readFromMaster(n) },
    });
    this.master.setNoDelay(true);
    this.sink.events([this.decoder.open(this.openedAt, this.replicaAddress, formatHostPort(opts.master))]);
    this.master.once('connect', () => this.wire());
    this.watch(this.master, 'master');
    this.watch(replica, 'replica');
  }

  info(): LinkInfo {
    const state = this.decoder.state;
    const info: LinkInfo = {
      id: this.id,
      replica: this.replicaAddress,
      master: formatHostPort(this.opts.master),
      openedAt: this.openedAt,
      phase: state.phase,
      replid: state.replid,
      masterOffset: state.masterOffset,
      ackOffset: this.ackOffset,
      lastAckAt: this.lastAckAt,
      unconfirmedSince: this.ackOffset === null ? null : this.arrivals.unconfirmedSince(this.ackOffset),
      rdbBytes: this.decoder.rdbBytes,
      bytes: { ...state.bytes },
      forwarded: this.forwarded(),
      opaque: { m2r: this.decoder.opaque('m2r'), r2m: this.decoder.opaque('r2m') },
      readPools: { ...this.buffers.counts },
      masterReads: { ...this.masterReads },
    };
    const m2r = this.toReplica?.digests();
    const r2m = this.toMaster?.digests();
    if (m2r && r2m) info.digests = { m2r, r2m };
    return info;
  }

  /** Cuts both connections (tap shutdown, or a fault). */
  shutdown(reason: string): void {
    this.reason ??= reason;
    this.toReplica?.stop();
    this.toMaster?.stop();
    this.toReplica?.dropUnsent();
    this.toMaster?.dropUnsent();
    this.replica.destroy();
    this.master.destroy();
  }

  /**
   * A fault cut the link: what was already written to `toward` still reaches it (then a FIN, or a
   * reset with `reset`), nothing more is forwarded either way.
   */
  cut(toward: Direction, reset: boolean, reason: string): void {
    if (this.cutting) return;
    this.cutting = true;
    this.reason ??= reason;
    this.toReplica?.stop();
    this.toMaster?.stop();
    const [flushed, dropped] = toward === 'm2r' ? [this.replica, this.master] : [this.master, this.replica];
    (toward === 'm2r' ? this.toMaster : this.toReplica)?.dropUnsent();
    if (reset) {
      // Node closes with a FIN, not a reset, while a write is still being completed: reset once the
      // bytes before the cut are written (an empty write's callback comes after theirs) and the
      // write has been wound up (the next turn of the event loop).
      dropped.resetAndDestroy();
      flushed.write(Buffer.alloc(0), () => setImmediate(() => flushed.resetAndDestroy()));
      return;
    }
    dropped.destroy();
    flushed.end();
    this.graceTimer ??= setTimeout(() => flushed.destroy(), CLOSE_GRACE_MS);
    this.graceTimer.unref();
  }

  /** Events a timed fault produced for this link (a disconnect on an idle link). */
  record(events: FaultEvent[]): void {
    this.sink.events(events);
  }

  /** A freeze this link's planned writes may wait for was lifted. */
  kick(): void {
    this.toReplica?.kick();
    this.toMaster?.kick();
  }

  private wire(): void {
    this.connected = true;
    this.toReplica = new Pipe(this.master, this.replica, this.hooks('m2r'), this.opts.digests);
    this.toMaster = new Pipe(this.replica, this.master, this.hooks('r2m'), this.opts.digests);
    this.toMaster.start();
    this.replica.resume();
  }

  private hooks(dir: Direction): PipeHooks {
    const { faults, clock } = this.opts;
    return {
      chunk: (chunk) => this.observe(dir, chunk),
      cut: (reset) => this.cut(dir, reset, 'cut by a fault'),
      holds: (id) => faults.holds(id, clock()),
      gate: () => faults.gate(this.id, dir, this.decoder.state.phase, clock()),
      now: clock,
      readPause: dir === 'm2r' ? (bytes) => this.masterReadPause(bytes) : () => 0,
    };
  }

  /** A read of `n` bytes from the master landed in the read memory: false pauses reading. */
  private readFromMaster(n: number): boolean {
    this.masterReads.reads++;
    return this.toReplica?.handle(this.buffers.take(n)) !== false;
  }

  /** How long to leave the master unread after a chunk of `bytes` was handed on (see RDB_READ_PAUSE_MS). */
  private masterReadPause(bytes: number): number {
    if (this.decoder.rdbBytes === null || this.buffers.filled(bytes)) return 0;
    this.masterReads.pauses++;
    return RDB_READ_PAUSE_MS;
  }

  private observe(dir: Direction, chunk: Buffer): Step[] | null {
    const t = this.opts.clock();
    const state = this.decoder.state;
    const start = state.bytes[dir];
    // The replica's bytes are recorded once decoded (see `decoded`), when AUTH passwords in them are known.
    if (this.opts.raw && (dir === 'm2r' || this.redactor === null)) this.sink.raw({ type: 'raw', t, link: this.id, dir, pos: start, data: chunk });
    const faults = this.opts.faults;
    if (faults.idle(this.id, dir)) {
      // Frames go into command runs, or batches at --record meta (one event a chunk, not one a
      // frame); the fault planner below needs events one by one.
      const events = this.decoder.feedRuns(dir, chunk, t);
      this.decoded(dir, chunk, start, events, t);
      if (events.length > 0) this.sink.events(events);
      return null;
    }
    const before: PhaseMark = { phase: state.phase, start: { ...state.phaseStart }, rdbLength: state.rdbLength };
    const pendingBefore = this.decoder.pendingBytes(dir);
    const events = this.decoder.feed(dir, chunk, t);
    this.decoded(dir, chunk, start, events, t);
    const plan = faults.plan({ link: this.id, dir, chunk, start, events, before, state, pendingBefore, pendingAfter: this.decoder.pendingBytes(dir), now: t });
    // The master answers the PSYNC it was sent, so +CONTINUE resumes from the rewritten offset.
    if (plan.psync) state.psyncOffset = plan.psync.offset;
    if (plan.events.length > 0 || events.length > 0) this.sink.events(inPositionOrder(events, plan.events, state));
    return plan.steps;
  }

  /**
   * Whether nothing points into the chunks read from the master any more: every write of them has
   * completed, no fault holds them, no library listener was ever handed events (which refer to
   * them), and the decoder let go of them (asked last: it copies the partial record or frame it
   * holds). Read memory may then be reused.
   */
  private readsReleased(): boolean {
    return (
      this.toReplica !== null &&
      this.toReplica.drained() &&
      this.replica.writableLength === 0 &&
      this.opts.faults.idle(this.id, 'm2r') &&
      !this.sink.keepsEvents() &&
      this.decoder.releaseInput('m2r')
    );
  }

  private noteAcks(events: readonly RecordedEvent[], t: number): void {
    for (const event of events) {
      if (event.type === 'ack') {
        this.ackOffset = event.offset;
        this.lastAckAt = t;
        this.arrivals.confirm(event.offset);
      }
    }
  }

  private watch(socket: Socket, side: 'master' | 'replica'): void {
    const other = side === 'master' ? this.replica : this.master;
    socket.on('error', (error: NodeJS.ErrnoException) => {
      const what = error.code ?? error.message;
      this.reason ??=
        side === 'master' && !this.connected
          ? `cannot connect to the master ${formatHostPort(this.opts.master)}: ${what}`
          : `${side} connection error: ${what}`;
      other.destroy();
    });
    // A FIN or a close travels like data: after what is queued toward the other side (a freeze holds it too).
    const onward = (done: () => void): void => {
      // After a cut, `cut` decides how each side ends (a reset must not be preceded by a FIN).
      if (this.cutting) return done();
      const pipe = side === 'master' ? this.toReplica : this.toMaster;
      if (pipe) pipe.finish(done);
      else {
        other.end();
        done();
      }
    };
    socket.on('end', () => {
      this.reason ??= `${side} closed the connection`;
      onward(() => undefined);
    });
    socket.on('close', () => {
      this.reason ??= `${side} connection closed`;
      if (!other.destroyed) {
        onward(() => {
          this.graceTimer ??= setTimeout(() => other.destroy(), CLOSE_GRACE_MS);
          this.graceTimer.unref();
        });
      }
      if (--this.openSockets === 0) this.finish();
    });
  }

  /** What follows decoding a chunk, whether faults are in play or not: the replica's bytes recorded without secrets, ACKs and arrivals noted. */
  private decoded(dir: Direction, chunk: Buffer, start: number, events: readonly RecordedEvent[], t: number): void {
    if (dir === 'm2r') {
      const offset = this.decoder.state.masterOffset;
      if (offset !== null) this.arrivals.note(offset, t);
      return;
    }
    if (this.redactor !== null) this.recordRedacted(this.redactor.take(chunk, start, this.decoder.secretRanges, this.decoder.secretFrom), t);
    this.noteAcks(events, t);
  }

  private recordRedacted(piece: RawPiece | null, t: number): void {
    if (piece !== null) this.sink.raw({ type: 'raw', t, link: this.id, dir: 'r2m', pos: piece.pos, data: piece.data });
  }

  /** Bytes handed on to each side so far. */
  private forwarded(): ByDirection {
    return { m2r: this.toReplica?.written ?? 0, r2m: this.toMaster?.written ?? 0 };
  }

  private finish(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    const t = this.opts.clock();
    if (this.redactor !== null) this.recordRedacted(this.redactor.finish(), t);
    this.sink.events(this.decoder.close(t, this.reason ?? 'closed', this.forwarded()));
    this.sink.closed(this);
  }
}

/**
 * A chunk's decoded events with the fault events placed where they acted: before the first event
 * of the same direction that ends past the fault's position.
 */
function inPositionOrder(events: LinkEvent[], faults: FaultEvent[], state: LinkState): LinkEvent[] {
  if (faults.length === 0) return events;
  const out: LinkEvent[] = [];
  let next = 0;
  for (const event of events) {
    const end = 'pos' in event ? event.pos : 'size' in event ? state.streamPosition(event.offset) : null;
    while (next < faults.length && end !== null && end > faults[next]!.pos) out.push(faults[next++]!);
    out.push(event);
  }
  while (next < faults.length) out.push(faults[next++]!);
  return out;
}
