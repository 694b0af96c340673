import { createServer, type Server, type Socket } from 'node:net';
import { pino, type Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import { equalsWord, latin1, parseInteger } from '../resp/ascii.js';
import { CommandScanner, type CommandFrame } from '../resp/command-scanner.js';
import { encodeCommand } from '../resp/encode.js';
import { formatHostPort, parseHostPort, type HostPort } from '../tap/address.js';
import { listenOn } from '../tap/listen.js';
import type { Recording, TimedBytes } from './recording.js';

const PING_FRAME = encodeCommand(['PING']);

export interface ReplayOptions {
  listen?: string | HostPort;
  /** 1: the recorded pace; 2: twice as fast; `max`: as fast as the replica reads. */
  speed?: number | 'max';
  /** How often to PING once the recorded stream is used up (a master's repl-ping-replica-period). */
  pingPeriodMs?: number;
  logger?: Logger;
  clock?: Clock;
}

/** What happened on one replica connection, for logs and tests. */
export interface ServedSync {
  replica: string;
  request: string;
  reply: 'full' | 'partial';
  /** Replication offset the stream was served from (the first byte sent is offset + 1). */
  from: number;
}

/**
 * A master that serves a recorded link to real replicas: it answers the handshake, sends the
 * recorded `+FULLRESYNC` and RDB, then the command stream at the recorded pace (scaled by `speed`),
 * answers `PSYNC <recorded replid> <offset>` within the stream with `+CONTINUE`, and PINGs once the
 * recording is used up so the replica does not time out.
 */
export class Replay {
  readonly served: ServedSync[] = [];
  private readonly connections = new Set<ReplicaConnection>();
  /** PINGs sent past the end of the recording, shared by every connection so offsets agree. */
  private readonly extension: Buffer[] = [];
  private readonly pingTimer: NodeJS.Timeout;
  private readonly log: Logger;
  readonly clock: Clock;
  readonly speed: number | 'max';

  private constructor(
    private readonly server: Server,
    readonly address: HostPort,
    readonly recording: Recording,
    options: ReplayOptions,
  ) {
    this.log = options.logger ?? pino({ level: 'silent' });
    this.clock = options.clock ?? systemClock;
    this.speed = options.speed ?? 1;
    server.on('connection', (socket) => this.accept(socket));
    this.pingTimer = setInterval(() => this.ping(), options.pingPeriodMs ?? 10_000);
    this.pingTimer.unref();
  }

  static async start(recording: Recording, options: ReplayOptions = {}): Promise<Replay> {
    const listen = options.listen === undefined ? { host: '127.0.0.1', port: 0 } : typeof options.listen === 'string' ? parseHostPort(options.listen, '--listen') : options.listen;
    const server = createServer({ noDelay: true });
    const address = await listenOn(server, listen);
    return new Replay(server, address, recording, options);
  }

  /** Offset after the last byte any replica can be served: the recording plus the PINGs since. */
  get endOffset(): number {
    return this.recording.endOffset + this.extension.length * PING_FRAME.length;
  }

  /** Bytes of the stream from replication offset `from` (exclusive) on: recorded, then extension. */
  streamFrom(from: number): { recorded: TimedBytes[]; extension: Buffer[] } {
    const recorded: TimedBytes[] = [];
    let at = this.recording.offset;
    for (const piece of this.recording.stream) {
      const end = at + piece.data.length;
      if (end > from) recorded.push(from > at ? { t: piece.t, data: piece.data.subarray(from - at) } : piece);
      at = end;
    }
    const skipPings = Math.max(0, from - this.recording.endOffset);
    const extension = this.extension.slice(Math.floor(skipPings / PING_FRAME.length));
    const partial = skipPings % PING_FRAME.length;
    if (partial > 0 && extension.length > 0) extension[0] = extension[0]!.subarray(partial);
    return { recorded, extension };
  }

  note(served: ServedSync): void {
    this.served.push(served);
    this.log.info(served, `served a ${served.reply === 'full' ? 'full sync' : 'partial resync'}`);
  }

  close(): Promise<void> {
    clearInterval(this.pingTimer);
    for (const connection of this.connections) connection.close();
    return new Promise((resolve) => this.server.close(() => resolve()));
  }

  private accept(socket: Socket): void {
    const connection = new ReplicaConnection(this, socket);
    this.connections.add(connection);
    socket.on('close', () => this.connections.delete(connection));
  }

  /** Once every replica has the whole recording, PINGs keep them from timing out, as a master's do. */
  private ping(): void {
    const live = [...this.connections].filter((c) => c.streaming);
    if (live.length === 0 || live.some((c) => !c.caughtUp)) return;
    this.extension.push(PING_FRAME);
    for (const connection of live) connection.write(PING_FRAME);
  }
}

/** One replica talking to the replay. */
class ReplicaConnection {
  streaming = false;
  caughtUp = false;
  /** The stream to send once the replica acknowledges a diskless RDB. */
  private afterAck: (() => void) | null = null;
  private readonly scanner = new CommandScanner({});
  private readonly name: string;
  private timer: NodeJS.Timeout | null = null;
  private closed = false;
  private readonly onFrame = (frame: CommandFrame): void => this.command(frame);

  constructor(
    private readonly replay: Replay,
    private readonly socket: Socket,
  ) {
    this.name = formatHostPort({ host: socket.remoteAddress ?? '?', port: socket.remotePort ?? 0 });
    socket.setNoDelay(true);
    socket.on('data', (chunk: Buffer) => {
      const error = this.scanner.scan(chunk, 0, chunk.length, this.onFrame);
      if (error) this.close();
    });
    socket.on('error', () => this.close());
    socket.on('close', () => this.close());
  }

  write(bytes: Buffer): boolean {
    return this.closed ? true : this.socket.write(bytes);
  }

  close(): void {
    if (this.closed) return;
    this.closed = true;
    if (this.timer) clearTimeout(this.timer);
    this.socket.destroy();
  }

  private command(frame: CommandFrame): void {
    if (frame.argc === 0) return;
    const name = frame.name!.lower;
    const args = frame.args;
    switch (name) {
      case 'ping':
        if (!this.streaming) this.write(Buffer.from('+PONG\r\n'));
        return;
      case 'auth':
        this.write(Buffer.from('+OK\r\n'));
        return;
      case 'replconf':
        // ACKs get no answer; everything else (listening-port, capa, ...) is accepted.
        if (!equalsWord(args[0], 'ack')) this.write(Buffer.from('+OK\r\n'));
        else if (this.afterAck) {
          const start = this.afterAck;
          this.afterAck = null;
          start();
        }
        return;
      case 'psync':
        this.psync(args[0] === undefined ? '?' : latin1(args[0]), args[1] === undefined ? null : parseInteger(args[1]));
        return;
      case 'sync':
        this.serve('SYNC', 'full', this.replay.recording.offset);
        return;
      default:
        this.write(Buffer.from(`-ERR repltap replay answers only the replication handshake, not ${name.toUpperCase()}\r\n`));
    }
  }

  private psync(replid: string, offset: number | null): void {
    const { recording } = this.replay;
    const request = `PSYNC ${replid} ${offset ?? '?'}`;
    if (this.streaming) return;
    if (replid === recording.replid && offset !== null && offset > recording.offset && offset <= this.replay.endOffset + 1) {
      this.write(Buffer.from(`+CONTINUE ${recording.replid}\r\n`));
      this.serve(request, 'partial', offset - 1);
      return;
    }
    this.write(Buffer.from(`+FULLRESYNC ${recording.replid} ${recording.offset}\r\n`));
    this.serve(request, 'full', recording.offset);
  }

  private serve(request: string, reply: 'full' | 'partial', from: number): void {
    this.streaming = true;
    this.replay.note({ replica: this.name, request, reply, from });
    const { recorded, extension } = this.replay.streamFrom(from);
    if (reply === 'partial') return this.send(recorded, extension);
    for (const piece of this.replay.recording.snapshot) this.write(piece);
    // A replica finds the end of a diskless RDB by its last 40 bytes read, so nothing may follow
    // until it says it has loaded: as a master does, wait for its first ACK.
    if (this.replay.recording.framing === 'eof') this.afterAck = () => this.send(recorded, extension);
    else this.send(recorded, extension);
  }

  /** Sends the recorded stream at the recorded pace (scaled), then the PINGs sent since it ended. */
  private send(recorded: TimedBytes[], extension: Buffer[]): void {
    const { speed, clock } = this.replay;
    const first = recorded[0]?.t ?? 0;
    const started = clock();
    const step = (i: number): void => {
      this.timer = null;
      for (; i < recorded.length && !this.closed; i++) {
        const piece = recorded[i]!;
        if (speed !== 'max') {
          const due = started + (piece.t - first) / speed;
          const wait = due - clock();
          if (wait > 1) {
            this.timer = setTimeout(() => step(i), wait);
            return;
          }
        }
        if (!this.write(piece.data)) {
          this.socket.once('drain', () => step(i + 1));
          return;
        }
      }
      if (this.closed) return;
      for (const ping of extension) this.write(ping);
      this.caughtUp = true;
    };
    step(0);
  }
}
