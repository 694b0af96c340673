import type { RdbChecksum } from '../rdb/events.js';

/** Which way bytes travel: master to replica, or replica to master. */
export type Direction = 'm2r' | 'r2m';

/** One value for each direction: a count (bytes, mostly) unless said otherwise. */
export interface ByDirection<T = number> {
  m2r: T;
  r2m: T;
}

/** Where a link stands in the replication protocol. */
export type LinkPhase = 'handshake' | 'sync-wait' | 'rdb' | 'stream';

/** What repltap records: events only, events with command arguments, or every byte as well. */
export type RecordLevel = 'meta' | 'commands' | 'full';

interface EventBase {
  /** Wall-clock time, epoch milliseconds (fractional). */
  t: number;
  /** Link id, unique within one tap process. */
  link: number;
}

/** Fields of events that stand at a byte position of one direction. */
interface Positioned {
  /** Bytes of that direction up to the end of the event's frame. */
  pos: number;
}

export interface LinkOpenEvent extends EventBase {
  type: 'link-open';
  replica: string;
  master: string;
}

export interface HandshakeCommandEvent extends EventBase, Positioned {
  type: 'handshake';
  dir: 'r2m';
  /** The command as text, arguments separated by spaces; AUTH passwords redacted by default. */
  command: string;
}

export interface HandshakeReplyEvent extends EventBase, Positioned {
  type: 'handshake';
  dir: 'm2r';
  reply: string;
}

export interface PsyncEvent extends EventBase, Positioned {
  type: 'psync';
  replid: string;
  /** The first offset the replica wants (its applied offset + 1), -1 for a forced full sync. */
  offset: number;
}

export interface SyncEvent extends EventBase, Positioned {
  type: 'sync';
}

export interface FullResyncEvent extends EventBase, Positioned {
  type: 'fullresync';
  replid: string;
  /** The master's replication offset at the snapshot: the stream resumes at offset + 1. */
  offset: number;
}

export interface ContinueEvent extends EventBase, Positioned {
  type: 'continue';
  /** The master's replid, or null for a PSYNC v1 `+CONTINUE` without one. */
  replid: string | null;
  /** The replication offset the stream resumes from (the PSYNC offset - 1), when known. */
  offset: number | null;
}

/** Valkey's dual-channel header on the RDB channel (`$ENDOFF:<offset> <replid> <dbid> <client-id>`). */
export interface EndOffsetEvent extends EventBase, Positioned {
  type: 'endoff';
  offset: number;
  replid: string;
  dbid: number;
  clientId: string;
}

export interface RdbBeginEvent extends EventBase, Positioned {
  type: 'rdb-begin';
  framing: 'length' | 'eof';
  /** Payload bytes announced by `$<len>`, null for `$EOF:` framing. */
  length: number | null;
}

export interface RdbEndEvent extends EventBase, Positioned {
  type: 'rdb-end';
  /** Payload bytes, without the `$` header and without the EOF mark. */
  bytes: number;
  /** The version from the `REDISnnnn` header, null when the payload was too short to have one. */
  rdbVersion: number | null;
  /** Keys in the snapshot, per database and per type, and its checksum; null where decoding the content failed. */
  keys: number | null;
  dbs: Record<string, { keys: number; expires: number }> | null;
  types: Record<string, number> | null;
  checksum: RdbChecksum | null;
}

/** An AUX field of the RDB in transfer (redis-ver, repl-id, repl-offset, ...). */
export interface RdbAuxEvent extends EventBase {
  type: 'rdb-aux';
  key: string;
  value: string;
}

/** A key of the RDB in transfer (`--record commands`; its value too at `--record full`). */
export interface RdbKeyEvent extends EventBase {
  type: 'rdb-key';
  db: number;
  key: Uint8Array;
  valueType: string;
  encoding: string;
  expiry: number | null;
  /** Elements in the value; null when not counted (an LZF-compressed blob at `--record commands`). */
  length: number | null;
  /** The decoded value, at `--record full` (see docs/trace-format.md for its shape per type). */
  value?: unknown;
}

/**
 * Offset and size of an event of the propagated stream. These carry no `pos`: within one stream the
 * direction position and the replication offset differ by a constant (see `rdb-end` / `continue`).
 */
interface StreamPosition {
  /** Replication offset once this frame is applied (what the replica's next ACK would report). */
  offset: number;
  /** Bytes of the frame. */
  size: number;
}

export interface CommandEvent extends EventBase, StreamPosition {
  type: 'command';
  /** Command name, lowercased. */
  name: string;
  /** Arguments after the name (each cut to the recording limit); absent at `--record meta`. */
  args?: Uint8Array[];
  /** Number of arguments the frame holds, the name included. */
  argc: number;
  /** Pairs (argument index counted after the name, full length) for arguments that were cut. */
  cut?: number[];
  /** Database the command applies to, null when not yet known (after +CONTINUE, before a SELECT). */
  db: number | null;
  /** Inside MULTI ... EXEC (both included): the replica acknowledges only after EXEC. */
  tx?: true;
}

export interface PingEvent extends EventBase, StreamPosition {
  type: 'ping';
}

export interface GetAckEvent extends EventBase, StreamPosition {
  type: 'getack';
}

export interface AckEvent extends EventBase, Positioned {
  type: 'ack';
  offset: number;
  /** AOF fsynced offset (`FACK`, Redis 7.2+), when sent. */
  fack?: number;
  /** Stream bytes the master had sent past this offset when the ACK arrived. */
  lag: number | null;
}

export interface KeepaliveEvent extends EventBase, Positioned {
  type: 'keepalive';
  dir: Direction;
}

export interface DecodeErrorEvent extends EventBase {
  type: 'decode-error';
  dir: Direction;
  /** Byte position of the fault in that direction; decoding of the direction stops there. */
  at: number;
  message: string;
}

export interface LinkCloseEvent extends EventBase {
  type: 'link-close';
  reason: string;
  phase: LinkPhase;
  /** Bytes that arrived at the tap each way over the link's life (what was decoded). */
  bytes: ByDirection;
  /**
   * Bytes the tap had handed on to the other side each way: fewer than `bytes` when faults still
   * held some back (a throttle, a delay, a freeze), which a cut drops. Absent where nothing is
   * forwarded (capture) and in traces written before it was recorded.
   */
  forwarded?: ByDirection;
}

/** A fault acted on the link (see src/faults): where, and what it did. */
export interface FaultEvent extends EventBase {
  type: 'fault';
  id: string;
  action: string;
  dir: Direction | 'both';
  /** Position in that direction's bytes (as they arrived) where the fault acted. */
  pos: number;
  /** Replication offset at that position, when it is in the command stream. */
  offset: number | null;
  phase: LinkPhase;
  /** What it did, for people. */
  detail: string;
}

export type LinkEvent =
  | LinkOpenEvent
  | FaultEvent
  | HandshakeCommandEvent
  | HandshakeReplyEvent
  | PsyncEvent
  | SyncEvent
  | FullResyncEvent
  | ContinueEvent
  | EndOffsetEvent
  | RdbBeginEvent
  | RdbEndEvent
  | RdbAuxEvent
  | RdbKeyEvent
  | CommandEvent
  | PingEvent
  | GetAckEvent
  | AckEvent
  | KeepaliveEvent
  | DecodeErrorEvent
  | LinkCloseEvent;

export type LinkEventType = LinkEvent['type'];

/** Every event type once: a record of them all, so that the compiler says when one is missing. */
const EVENT_TYPES: Record<LinkEventType, true> = {
  'link-open': true,
  fault: true,
  handshake: true,
  psync: true,
  sync: true,
  fullresync: true,
  continue: true,
  endoff: true,
  'rdb-begin': true,
  'rdb-end': true,
  'rdb-aux': true,
  'rdb-key': true,
  command: true,
  ping: true,
  getack: true,
  ack: true,
  keepalive: true,
  'decode-error': true,
  'link-close': true,
};

/** The event types, for checking names given on the command line. */
export const LINK_EVENT_TYPES = Object.keys(EVENT_TYPES) as LinkEventType[];

/**
 * Whole frames of the propagated stream from one chunk, kept as the master sent them. The tap
 * records one of these instead of an event per frame when nothing live needs those events: the
 * frames' bytes are cheaper to copy than their events are to build. Expanding it
 * (`CommandRunExpander`) gives exactly the `command`, `ping`, `getack` and `keepalive` events the
 * decoder would have made; trace readers do that, so they never return one.
 */
export interface CommandRunEvent extends EventBase, Positioned {
  type: 'command-run';
  /** Replication offset once the run's last frame is applied. */
  offset: number;
  /** Database at the run's first frame (null when not yet known). */
  db: number | null;
  /** The run starts inside MULTI ... EXEC. */
  tx: boolean;
  /** Frames in `data`. */
  count: number;
  /** The frames' bytes: whole frames, none with an argument past the recording limits. */
  data: Uint8Array;
}

/**
 * The frames of the propagated stream from one chunk at `--record meta`, column by column: what
 * each frame is, without its arguments. The tap records one of these instead of an event per frame
 * when nothing live needs those events. Expanding it (`expandCommandBatch`) gives exactly the
 * `command`, `ping` and `keepalive` events the decoder would have made; trace readers do that, so
 * they never return one. SELECT, MULTI, EXEC and REPLCONF frames are never in a batch: they come as
 * events of their own, so the database and MULTI state hold for a whole batch.
 */
export interface CommandBatchEvent extends EventBase, Positioned {
  type: 'command-batch';
  /** Replication offset once the batch's last frame is applied. */
  offset: number;
  /** Database of every frame in the batch (null when not yet known). */
  db: number | null;
  /** The batch lies inside MULTI ... EXEC. */
  tx: boolean;
  /** Frames in the batch: the length of every array below. */
  count: number;
  /** The lowercased command names the batch uses; each frame has an index into them in `kinds`. */
  names: string[];
  /** Each frame's index in `names`, or -1 for a keep-alive newline. */
  kinds: number[];
  /** Each frame's size in bytes. */
  sizes: number[];
  /** Each frame's argument count, the name included (0 for a newline). */
  argcs: number[];
}

/**
 * The keys of the RDB in transfer that one chunk completed, column by column: one record where
 * `rdb-key` events would be one a key (at `--record commands`, most of a full sync's trace). Made
 * with command runs, where nothing live needs the keys one by one; expanding it (`expandRdbKeys`)
 * gives exactly the `rdb-key` events, in order, and trace readers do that.
 */
export interface RdbKeysEvent extends EventBase {
  type: 'rdb-keys';
  /** Keys in the batch: the length of every array below. */
  count: number;
  /** Each key's database. */
  dbs: number[];
  /** The keys' bytes, one after another. */
  keys: Uint8Array;
  /** Each key's length in bytes, in `keys`. */
  keyLengths: number[];
  /** The `valueType`/`encoding` pairs the batch uses; each key has an index into them in `kinds`. */
  valueTypes: string[];
  encodings: string[];
  kinds: number[];
  expiries: (number | null)[];
  lengths: (number | null)[];
}

/** What the decoder gives when asked for command runs (and batches of RDB keys). */
export type RecordedEvent = LinkEvent | CommandRunEvent | CommandBatchEvent | RdbKeysEvent;
