import { EventEmitter } from 'node:events';
import { createServer, type Server, type Socket } from 'node:net';
import { pino, type Logger } from 'pino';
import { systemClock, type Clock } from '../clock.js';
import { FaultPlanner } from '../faults/planner.js';
import { expandCommandBatch } from '../link/command-batch.js';
import { CommandRunExpander } from '../link/command-run.js';
import { expandRdbKeys } from '../link/rdb-key-batch.js';
import { decodingFor, defaultRdbDepth, type RdbDepth } from '../link/decoder-options.js';
import type { Fault } from '../faults/spec.js';
import type { LinkEvent, RecordedEvent, RecordLevel } from '../link/events.js';
import { DEFAULT_SCANNER_OPTIONS } from '../resp/command-scanner.js';
import type { TraceWriteError } from '../trace/errors.js';
import { TRACE_FLUSH_MS, type RawRecord } from '../trace/format.js';
import { newTraceHeader } from '../trace/header.js';
import { TraceWriter } from '../trace/writer.js';
import { formatHostPort, parseHostPort, type HostPort } from './address.js';
import { EventLog } from './event-log.js';
import { listenOn } from './listen.js';
import type { LinkInfo } from './link-info.js';
import { LinkSession } from './session.js';

export interface TapOptions {
  /** The real master, `host:port` or an address object. */
  master: string | HostPort;
  /** Where replicas connect; defaults to 127.0.0.1 on a free port. */
  listen?: string | HostPort;
  /** Trace file to write, or null for none. */
  trace?: string | null;
  record?: RecordLevel;
  /** How much of each RDB in transfer to decode (default: `keys` at `commands`, `values` at `full`, `summary` at `meta`). */
  rdb?: RdbDepth;
  recordSecrets?: boolean;
  /** Bytes kept of each command argument at `--record commands` (default 256). */
  maxArgBytes?: number;
  /** Arguments kept per command (default 64). */
  maxArgs?: number;
  logger?: Logger;
  clock?: Clock;
  /** Keep a SHA-256 of every byte read and written on each side (for transparency checks). */
  digests?: boolean;
  /** Faults in force from the start (see docs/faults.md); each is validated first. */
  faults?: unknown[];
}

export interface TapEvents {
  event: [LinkEvent];
  'link-closed': [LinkInfo];
}

/**
 * A running tap: a listener for replicas, each forwarded to its own connection to the master.
 * Emits `event` for every decoded link event and `link-closed` with a link's final state.
 */
export class Tap extends EventEmitter<TapEvents> {
  private readonly sessions = new Map<number, LinkSession>();
  private nextLink = 1;
  private closing: Promise<void> | null = null;
  /** Set once an `event` listener was handed events: it may keep them, and the chunks they are views of. */
  private eventsHandedOut = false;
  private readonly flushTimer: NodeJS.Timeout | null;
  private readonly log: EventLog;
  /** Turns command runs into events for listeners and the log, when they want them one by one. */
  private readonly runs: CommandRunExpander;
  private deadline: NodeJS.Timeout | null = null;

  private constructor(
    private readonly server: Server,
    readonly address: HostPort,
    readonly master: HostPort,
    private readonly trace: TraceWriter | null,
    private readonly planner: FaultPlanner,
    private readonly options: Required<Pick<TapOptions, 'record' | 'rdb' | 'recordSecrets' | 'maxArgBytes' | 'maxArgs' | 'digests'>> & {
      logger: Logger;
      clock: Clock;
    },
  ) {
    super();
    this.log = new EventLog(options.logger);
    this.runs = new CommandRunExpander({ maxArgBytes: options.maxArgBytes, maxArgs: options.maxArgs }, decodingFor(options.record).args);
    server.on('connection', (socket) => this.accept(socket));
    this.flushTimer = trace ? setInterval(() => trace.flush(), TRACE_FLUSH_MS) : null;
    this.flushTimer?.unref();
    for (const fault of planner.list()) options.logger.info({ fault }, 'fault added');
    this.onDeadline();
  }

  static async start(options: TapOptions): Promise<Tap> {
    const master = typeof options.master === 'string' ? parseHostPort(options.master, '--master') : options.master;
    const listen = options.listen === undefined ? { host: '127.0.0.1', port: 0 } : typeof options.listen === 'string' ? parseHostPort(options.listen, '--listen') : options.listen;
    const record = options.record ?? 'commands';
    const resolved = {
      record,
      rdb: options.rdb ?? defaultRdbDepth(record),
      recordSecrets: options.recordSecrets ?? false,
      maxArgBytes: options.maxArgBytes ?? DEFAULT_SCANNER_OPTIONS.maxArgBytes,
      maxArgs: options.maxArgs ?? DEFAULT_SCANNER_OPTIONS.maxArgs,
      digests: options.digests ?? false,
      logger: options.logger ?? pino({ level: 'silent' }),
      clock: options.clock ?? systemClock,
    };
    // Checked before anything listens, so a bad spec is a usage error and nothing is left running.
    const planner = new FaultPlanner();
    for (const spec of options.faults ?? []) planner.add(spec, resolved.clock(), []);
    const server = createServer({ noDelay: true });
    const address = await listenOn(server, listen);
    const header = newTraceHeader({
      startedAt: resolved.clock(),
      source: 'proxy',
      master: formatHostPort(master),
      listen: formatHostPort(address),
      record: resolved.record,
      rdb: resolved.rdb,
      maxArgBytes: resolved.maxArgBytes,
      maxArgs: resolved.maxArgs,
      recordSecrets: resolved.recordSecrets,
    });
    let trace: TraceWriter | null = null;
    try {
      // A trace that cannot be written stops recording, not forwarding: the replicas depend on the links.
      const onFailure = (error: TraceWriteError): void => resolved.logger.error({ trace: options.trace, code: error.code }, `${error.message}: recording stopped; the links are still forwarded`);
      if (options.trace) trace = new TraceWriter(options.trace, header, { onFailure });
    } catch (error) {
      server.close();
      throw error;
    }
    resolved.logger.info({ listen: formatHostPort(address), master: formatHostPort(master), trace: options.trace ?? null, record: resolved.record }, 'tap listening');
    return new Tap(server, address, master, trace, planner, resolved);
  }

  /** Validates and adds a fault (throws FaultSpecError naming the field); returns it with its id. */
  addFault(spec: unknown): Fault {
    const fault = this.planner.add(spec, this.options.clock(), this.snapshots());
    this.options.logger.info({ fault }, 'fault added');
    this.onDeadline();
    return fault;
  }

  /** Removes a fault; bytes a freeze held go on. Returns false when there was no such fault. */
  removeFault(id: string): boolean {
    const removed = this.planner.remove(id);
    if (removed) {
      this.options.logger.info({ id }, 'fault removed');
      this.kickAll();
    }
    return removed;
  }

  /** Removes every fault. */
  resetFaults(): void {
    this.planner.clear();
    this.kickAll();
  }

  /** The faults in force, each with how many times it has acted. */
  faults(): (Fault & { acts: number })[] {
    return this.planner.list().map((fault) => ({ ...fault, acts: this.planner.acts(fault.id) }));
  }

  /** Planned writes may be due or released (a fault went, or time passed). */
  private kickAll(): void {
    for (const session of this.sessions.values()) session.kick();
  }

  private snapshots(): { link: number; state: LinkSession['decoder']['state'] }[] {
    return [...this.sessions.values()].map((s) => ({ link: s.id, state: s.decoder.state }));
  }

  /** Acts on faults that wait for time rather than bytes, and sets the timer for the next one. */
  private onDeadline(): void {
    if (this.deadline) clearTimeout(this.deadline);
    this.deadline = null;
    const now = this.options.clock();
    for (const cut of this.planner.poll(now, this.snapshots())) {
      const session = this.sessions.get(cut.link);
      session?.record([cut.event]);
      session?.cut('m2r', cut.reset, `fault ${cut.event.id}: disconnect`);
    }
    this.kickAll();
    const next = this.planner.nextDeadline(now);
    if (next !== null && !this.closing) {
      this.deadline = setTimeout(() => this.onDeadline(), Math.max(1, Math.ceil(next - now)));
      this.deadline.unref();
    }
  }

  /** Why the trace stopped being written (the links went on without it), or null. */
  get traceFailure(): string | null {
    return this.trace?.failed?.message ?? null;
  }

  /** The live links, oldest first. */
  links(): LinkInfo[] {
    return [...this.sessions.values()].map((s) => s.info());
  }

  /** Cuts one link's connections (the replica will reconnect through the tap). */
  disconnect(link: number, reason = 'disconnected on request'): boolean {
    const session = this.sessions.get(link);
    session?.shutdown(reason);
    return session !== undefined;
  }

  /** Stops listening, closes every link, and flushes and closes the trace. */
  close(): Promise<void> {
    this.closing ??= new Promise<void>((resolve) => {
      this.server.close();
      if (this.deadline) clearTimeout(this.deadline);
      const done = (): void => {
        if (this.flushTimer) clearInterval(this.flushTimer);
        this.trace?.close();
        this.options.logger.info('tap stopped');
        resolve();
      };
      if (this.sessions.size === 0) return done();
      let remaining = this.sessions.size;
      this.on('link-closed', () => {
        if (--remaining === 0) done();
      });
      for (const session of this.sessions.values()) session.shutdown('tap shut down');
    });
    return this.closing;
  }

  private accept(socket: Socket): void {
    if (this.closing) {
      socket.destroy();
      return;
    }
    const { record, rdb, recordSecrets, maxArgBytes, maxArgs, digests, clock } = this.options;
    const session = new LinkSession(
      this.nextLink++,
      socket,
      { master: this.master, clock, ...decodingFor(record, rdb), raw: record === 'full', recordSecrets, digests, scanner: { maxArgBytes, maxArgs }, faults: this.planner },
      {
        events: (events) => this.onEvents(events),
        raw: (rawRecord: RawRecord) => this.trace?.append(rawRecord),
        keepsEvents: () => this.eventsHandedOut || this.listenerCount('event') > 0,
        closed: (closed) => {
          const info = closed.info();
          this.sessions.delete(closed.id);
          this.planner.forget(closed.id);
          this.emit('link-closed', info);
        },
      },
    );
    this.sessions.set(session.id, session);
  }

  private onEvents(events: RecordedEvent[]): void {
    const listening = this.listenerCount('event') > 0;
    if (listening) this.eventsHandedOut = true;
    for (const event of events) {
      this.trace?.append(event);
      if (event.type === 'command-run') {
        if (listening || this.log.streamEvents) for (const e of this.runs.expand(event)) this.observed(e, listening);
      } else if (event.type === 'command-batch') {
        if (listening || this.log.streamEvents) for (const e of expandCommandBatch(event)) this.observed(e, listening);
      } else if (event.type === 'rdb-keys') {
        if (listening || this.log.keyEvents) for (const e of expandRdbKeys(event)) this.observed(e, listening);
      } else this.observed(event, listening);
    }
  }

  private observed(event: LinkEvent, listening: boolean): void {
    this.log.log(event);
    if (listening) this.emit('event', event);
  }
}

/** Starts a tap. Library entry point: `const tap = await startTap({ master: '127.0.0.1:6379' })`. */
export function startTap(options: TapOptions): Promise<Tap> {
  return Tap.start(options);
}
