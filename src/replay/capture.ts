import { connect, type Socket } from 'node:net';
import { pino, type Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import { UsageError } from '../errors.js';
import type { ByDirection, LinkEvent, RecordLevel } from '../link/events.js';
import { decodingFor } from '../link/decoder-options.js';
import { LinkDecoder } from '../link/link-decoder.js';
import { RawRedactor } from '../link/raw-redactor.js';
import { encodeCommand, type RespArg } from '../resp/encode.js';
import { DEFAULT_SCANNER_OPTIONS } from '../resp/command-scanner.js';
import { formatHostPort, parseHostPort, type HostPort } from '../tap/address.js';
import { TRACE_FLUSH_MS } from '../trace/format.js';
import { newTraceHeader } from '../trace/header.js';
import { TraceWriter } from '../trace/writer.js';

/** The link id of a capture's only link. */
const LINK = 1;

export interface CaptureOptions {
  master: string | HostPort;
  trace: string;
  /** What to record (default `full`: every byte, so the trace can be replayed). */
  record?: RecordLevel;
  /** `REPLCONF listening-port` (default: the local port of the connection). */
  listeningPort?: number;
  /** `REPLCONF capa ...` (default `eof` and `psync2`, as redis-server 7 sends). */
  capa?: string[];
  /** Ask to continue this history instead of `PSYNC ? -1`. */
  psync?: { replid: string; offset: number } | null;
  auth?: { user: string | null; password: string } | null;
  /** Stop after this long, or after this many propagated commands (whichever comes first). */
  durationMs?: number | null;
  commands?: number | null;
  /** How often to send `REPLCONF ACK` once streaming (a real replica: every second). */
  ackIntervalMs?: number;
  recordSecrets?: boolean;
  logger?: Logger;
  clock?: Clock;
}

export interface CaptureResult {
  reason: string;
  commands: number;
  /** The replication offset reached (what the last ACK reported), or null before the stream. */
  offset: number | null;
  replid: string | null;
  bytes: ByDirection;
}

/**
 * A replica that records: it handshakes with a master like redis-server does, asks for a sync,
 * acknowledges the stream every second and on GETACK, and writes what it sees to a trace exactly
 * as the tap does. It never applies anything.
 */
export class Capture {
  readonly done: Promise<CaptureResult>;
  private readonly socket: Socket;
  private readonly decoder: LinkDecoder;
  private readonly trace: TraceWriter;
  private readonly log: Logger;
  private readonly clock: Clock;
  private readonly raw: boolean;
  /** At --record full without --record-secrets: what of the bytes sent is recorded. */
  private readonly redactor: RawRedactor | null;
  private readonly pending: RespArg[][] = [];
  private commandCount = 0;
  /**
   * The offset a real replica would acknowledge: the end of the last frame it applied. Frames of a
   * MULTI are only queued until EXEC, and redis-server's replica does not move its offset for them
   * (`commandProcessed` skips a master client in MULTI), so neither does this.
   */
  private applied: number | null = null;
  private inTx = false;
  private ackTimer: NodeJS.Timeout | null = null;
  private stopTimer: NodeJS.Timeout | null = null;
  private readonly flushTimer: NodeJS.Timeout;
  private reason: string | null = null;
  /** Why the capture could not run at all (no connection, a refused handshake). */
  private failure: string | null = null;
  private finished = false;
  private resolve!: (result: CaptureResult) => void;
  private reject!: (error: Error) => void;

  constructor(private readonly options: CaptureOptions) {
    const master = typeof options.master === 'string' ? parseHostPort(options.master, '--master') : options.master;
    this.clock = options.clock ?? systemClock;
    this.log = options.logger ?? pino({ level: 'silent' });
    const record = options.record ?? 'full';
    this.raw = record === 'full';
    this.decoder = new LinkDecoder({ link: LINK, ...decodingFor(record), recordSecrets: options.recordSecrets ?? false });
    this.redactor = this.raw && !options.recordSecrets ? new RawRedactor() : null;
    this.trace = new TraceWriter(
      options.trace,
      newTraceHeader({
        startedAt: this.clock(),
        source: 'capture',
        master: formatHostPort(master),
        listen: null,
        record,
        maxArgBytes: DEFAULT_SCANNER_OPTIONS.maxArgBytes,
        maxArgs: DEFAULT_SCANNER_OPTIONS.maxArgs,
        recordSecrets: options.recordSecrets ?? false,
      }),
      {
        // A capture is for its trace: one that can no longer be written ends it.
        onFailure: (error) => {
          this.failure ??= error.message;
          this.stop(error.message);
        },
      },
    );
    this.flushTimer = setInterval(() => this.trace.flush(), TRACE_FLUSH_MS);
    this.flushTimer.unref();
    this.done = new Promise((resolve, reject) => {
      this.resolve = resolve;
      this.reject = reject;
    });
    this.socket = connect({ host: master.host, port: master.port });
    this.socket.setNoDelay(true);
    this.socket.on('connect', () => this.handshake(master));
    this.socket.on('data', (chunk: Buffer) => this.received(chunk));
    this.socket.on('error', (error: NodeJS.ErrnoException) => {
      if (this.decoder.state.bytes.m2r === 0) this.failure ??= `cannot connect to the master ${formatHostPort(master)}: ${error.code ?? error.message}; is a master listening there?`;
      this.reason ??= `connection error: ${error.code ?? error.message}`;
    });
    this.socket.on('close', () => {
      if (this.reason === null && this.beforeSync()) this.failure ??= `the master closed the connection before a sync began (in phase ${this.decoder.state.phase}); its log says why`;
      this.finish(this.failure ?? this.reason ?? 'the master closed the connection');
    });
    if (options.durationMs) {
      this.stopTimer = setTimeout(() => this.stop(`--duration reached`), options.durationMs);
    }
  }

  /** Ends the capture (SIGINT, a limit reached): the trace is flushed and closed. */
  stop(reason: string): void {
    this.reason ??= reason;
    this.socket.end();
    this.socket.destroySoon();
  }

  private handshake(master: HostPort): void {
    const { auth, capa = ['eof', 'psync2'], psync } = this.options;
    this.emit([this.decoder.open(this.clock(), `${this.socket.localAddress ?? '?'}:${this.socket.localPort ?? 0}`, formatHostPort(master))]);
    if (auth) this.pending.push(auth.user === null ? ['AUTH', auth.password] : ['AUTH', auth.user, auth.password]);
    this.pending.push(['PING']);
    this.pending.push(['REPLCONF', 'listening-port', this.options.listeningPort ?? this.socket.localPort ?? 0]);
    if (capa.length > 0) this.pending.push(['REPLCONF', ...capa.flatMap((c) => ['capa', c])]);
    this.pending.push(psync ? ['PSYNC', psync.replid, psync.offset] : ['PSYNC', '?', -1]);
    this.sendNext();
  }

  /** Handshake commands go one at a time: the master refuses a PSYNC while a reply is pending. */
  private sendNext(): void {
    const next = this.pending.shift();
    if (next) this.send(encodeCommand(next));
  }

  private send(bytes: Buffer): void {
    if (this.socket.destroyed || this.socket.writableEnded) return;
    const t = this.clock();
    const pos = this.decoder.state.bytes.r2m;
    const events = this.decoder.feed('r2m', bytes, t);
    if (this.raw) {
      // What capture sends is whole frames: an AUTH's password is found in the same call.
      const piece = this.redactor === null ? { pos, data: bytes } : this.redactor.take(bytes, pos, this.decoder.secretRanges, this.decoder.secretFrom);
      if (piece !== null) this.trace.append({ type: 'raw', t, link: LINK, dir: 'r2m', pos: piece.pos, data: piece.data });
    }
    this.emit(events);
    this.socket.write(bytes);
  }

  private received(chunk: Buffer): void {
    const t = this.clock();
    if (this.raw) this.trace.append({ type: 'raw', t, link: LINK, dir: 'm2r', pos: this.decoder.state.bytes.m2r, data: chunk });
    const events = this.decoder.feed('m2r', chunk, t);
    this.emit(events);
    for (const event of events) {
      switch (event.type) {
        case 'handshake':
          if (event.dir === 'm2r') this.reply(event.reply);
          break;
        case 'continue':
        case 'rdb-end':
          // The offset the stream starts from (masterOffset may already be past frames later in this chunk).
          this.applied = this.decoder.state.streamBase;
          this.inTx = false;
          this.startAcks();
          break;
        case 'ping':
        case 'getack':
          if (this.reason !== null) break;
          if (!this.inTx) this.applied = event.offset;
          if (event.type === 'getack') this.ack();
          break;
        case 'command':
          // Once stopping, the rest of the chunk is recorded but not applied.
          if (this.reason !== null) break;
          this.inTx = event.tx === true && event.name !== 'exec';
          if (!this.inTx) this.applied = event.offset;
          if (++this.commandCount === this.options.commands) {
            this.ack();
            this.stop(`--commands ${this.options.commands} reached`);
          }
          break;
        case 'decode-error':
          this.log.warn({ at: event.at, message: event.message }, 'the master sent something that could not be decoded');
          if (this.beforeSync()) {
            this.failure ??= `the master did not answer as a Redis or Valkey master does (${event.message}); is --master the address of one?`;
            this.stop(this.failure);
          }
          break;
      }
    }
  }

  private reply(reply: string): void {
    if (reply.startsWith('-')) {
      const fatal = /^-(NOAUTH|WRONGPASS|ERR invalid password|NOPERM)/.test(reply) || this.pending.length === 0;
      this.log.warn({ reply }, 'the master refused a handshake command');
      if (fatal) {
        this.failure ??= `the master refused the handshake: ${reply}${/AUTH|PASS/.test(reply) ? ' (give the password with --auth or REPLTAP_AUTH)' : ''}`;
        this.stop(this.failure);
        return;
      }
    }
    this.sendNext();
  }

  /** Still in the handshake or waiting for the master's answer to PSYNC. */
  private beforeSync(): boolean {
    const phase = this.decoder.state.phase;
    return phase === 'handshake' || phase === 'sync-wait';
  }

  private startAcks(): void {
    this.ack();
    this.ackTimer ??= setInterval(() => this.ack(), this.options.ackIntervalMs ?? 1000);
  }

  private ack(): void {
    if (this.applied !== null) this.send(encodeCommand(['REPLCONF', 'ACK', this.applied]));
  }

  private emit(events: LinkEvent[]): void {
    for (const event of events) this.trace.append(event);
  }

  private finish(reason: string): void {
    if (this.finished) return;
    this.finished = true;
    if (this.ackTimer) clearInterval(this.ackTimer);
    if (this.stopTimer) clearTimeout(this.stopTimer);
    clearInterval(this.flushTimer);
    this.emit(this.decoder.close(this.clock(), reason));
    this.trace.close();
    const state = this.decoder.state;
    const result: CaptureResult = { reason, commands: this.commandCount, offset: this.applied, replid: state.replid, bytes: { ...state.bytes } };
    this.log.info(result, 'capture ended');
    if (this.failure !== null) this.reject(new UsageError(this.failure));
    else this.resolve(result);
  }
}

/** Starts capturing. Library entry point: `const capture = startCapture({ master, trace }); await capture.done;`. */
export function startCapture(options: CaptureOptions): Capture {
  return new Capture(options);
}
