import { connect, type Socket } from 'node:net';
import type { Clock } from '../clock.js';
import type { Direction, LinkEvent } from '../link/events.js';
import type { LinkDecoderOptions } from '../link/decoder-options.js';
import { LinkDecoder } from '../link/link-decoder.js';
import type { CommandScannerOptions } from '../resp/command-scanner.js';
import type { RawRecord } from '../trace/format.js';
import { formatHostPort, type HostPort } from './address.js';
import type { LinkInfo } from './link-info.js';
import { Pipe } from './pipe.js';
import { ReadBuffers } from './read-buffers.js';

/** How long a side may take to finish after the other closed before it is cut. */
const CLOSE_GRACE_MS = 2000;

export interface SessionOptions {
  master: HostPort;
  clock: Clock;
  args: boolean;
  rdb: LinkDecoderOptions['rdb'];
  raw: boolean;
  recordSecrets: boolean;
  digests: boolean;
  scanner: Partial<CommandScannerOptions>;
}

/** Where a session sends what it observes. */
export interface SessionSink {
  /** Events decoded from one chunk (or one link milestone), in order. */
  events(events: LinkEvent[]): void;
  raw(record: RawRecord): void;
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
  private graceTimer: NodeJS.Timeout | null = null;

  constructor(
    readonly id: number,
    private readonly replica: Socket,
    private readonly opts: SessionOptions,
    private readonly sink: SessionSink,
  ) {
    this.decoder = new LinkDecoder({ link: id, args: opts.args, rdb: opts.rdb, recordSecrets: opts.recordSecrets, scanner: opts.scanner });
    this.replicaAddress = formatHostPort({ host: replica.remoteAddress ?? '?', port: replica.remotePort ?? 0 });
    this.openedAt = opts.clock();
    // Nothing is read from the replica until the master connection exists to take it.
    replica.pause();
    replica.setNoDelay(true);
    // The master side carries nearly all the bytes: it is read with `onread` (see ReadBuffers).
    const buffers = new ReadBuffers();
    this.master = connect({
      host: opts.master.host,
      port: opts.master.port,
      onread: { buffer: buffers.next, callback: (n: number) => this.toReplica?.handle(buffers.take(n)) !== false },
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
      rdbBytes: this.decoder.rdbBytes,
      bytes: { ...state.bytes },
      opaque: { m2r: this.decoder.opaque('m2r'), r2m: this.decoder.opaque('r2m') },
    };
    const m2r = this.toReplica?.digests();
    const r2m = this.toMaster?.digests();
    if (m2r && r2m) info.digests = { m2r, r2m };
    return info;
  }

  /** Cuts both connections (tap shutdown, or a fault). */
  shutdown(reason: string): void {
    this.reason ??= reason;
    this.replica.destroy();
    this.master.destroy();
  }

  private wire(): void {
    this.connected = true;
    this.toReplica = new Pipe(this.master, this.replica, (chunk) => this.observe('m2r', chunk), this.opts.digests);
    this.toMaster = new Pipe(this.replica, this.master, (chunk) => this.observe('r2m', chunk), this.opts.digests);
    this.toMaster.start();
    this.replica.resume();
  }

  private observe(dir: Direction, chunk: Buffer): void {
    const t = this.opts.clock();
    if (this.opts.raw) {
      this.sink.raw({ type: 'raw', t, link: this.id, dir, pos: this.decoder.state.bytes[dir], data: chunk });
    }
    const events = this.decoder.feed(dir, chunk, t);
    if (dir === 'r2m') {
      for (const event of events) {
        if (event.type === 'ack') {
          this.ackOffset = event.offset;
          this.lastAckAt = t;
        }
      }
    }
    if (events.length > 0) this.sink.events(events);
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
    socket.on('end', () => {
      this.reason ??= `${side} closed the connection`;
      other.end();
    });
    socket.on('close', () => {
      this.reason ??= `${side} connection closed`;
      if (!other.destroyed) {
        other.end();
        this.graceTimer ??= setTimeout(() => other.destroy(), CLOSE_GRACE_MS);
        this.graceTimer.unref();
      }
      if (--this.openSockets === 0) this.finish();
    });
  }

  private finish(): void {
    if (this.graceTimer) clearTimeout(this.graceTimer);
    this.sink.events(this.decoder.close(this.opts.clock(), this.reason ?? 'closed'));
    this.sink.closed(this);
  }
}
