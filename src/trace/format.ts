import { defaultRdbDepth, type RdbDepth } from '../link/decoder-options.js';
import type { CommandBatchEvent, CommandRunEvent, Direction, LinkEvent, RdbKeysEvent, RecordLevel } from '../link/events.js';

/**
 * The first 8 bytes of every trace: "RTRACE", a zero byte, and the format version. Version 2 added
 * `command-run` records, version 3 `rdb-keys` records, version 4 `command-batch` records; readers
 * read them all.
 */
export const TRACE_FORMAT_VERSION = 4;
export const OLDEST_TRACE_FORMAT_VERSION = 1;
export const TRACE_MAGIC = Buffer.from([0x52, 0x54, 0x52, 0x41, 0x43, 0x45, 0x00, TRACE_FORMAT_VERSION]);
/** Each block: payload length (u32 LE), CRC-32 of the payload (u32 LE), payload. */
export const BLOCK_HEADER_BYTES = 8;
/**
 * A block holds records until it passes this size (a single larger record gets a block of its own).
 * Each block is one `write`, and a `write` to a file costs the kernel more than its bytes: decoding
 * and recording a stream in process took 0.83 of the CPU with 256 KiB blocks that it did with
 * 64 KiB ones (BENCHMARKS.md, 2026-11-23), while a block's write still holds the event loop for
 * a fraction of a millisecond.
 */
export const BLOCK_TARGET_BYTES = 256 * 1024;
/** How often a live writer (tap, capture) flushes buffered records: what a crash can lose at most. */
export const TRACE_FLUSH_MS = 200;
/** Readers refuse blocks announcing more than this, so a corrupt length cannot drive an allocation. */
export const MAX_BLOCK_BYTES = 64 * 1024 * 1024;

/** The first record of a trace. */
export interface TraceHeader {
  type: 'header';
  format: 'repltap-trace';
  version: number;
  tool: string;
  toolVersion: string;
  /** Epoch ms when recording started. */
  startedAt: number;
  /** What recorded it: `proxy` (a tap between a replica and its master) or `capture` (acting as a replica). */
  source: 'proxy' | 'capture';
  master: string;
  listen: string | null;
  record: RecordLevel;
  /** How much of each RDB was decoded; absent in traces from before it could be chosen (then as `record` implies). */
  rdb?: RdbDepth;
  /** Longest argument prefix kept in `command` events, in bytes. */
  maxArgBytes: number;
  /** Most arguments kept per `command` event. */
  maxArgs: number;
  recordSecrets: boolean;
}

/** How much of each RDB a trace holds, as its header says. */
export function rdbDepthOf(header: Pick<TraceHeader, 'record' | 'rdb'>): RdbDepth {
  return header.rdb ?? defaultRdbDepth(header.record);
}

/** At `--record full`: the exact bytes of one chunk as they arrived. */
export interface RawRecord {
  type: 'raw';
  t: number;
  link: number;
  dir: Direction;
  /** Position of the chunk's first byte within its direction. */
  pos: number;
  data: Uint8Array;
}

export type TraceRecord = LinkEvent | RawRecord;

/**
 * A command run stored without its bytes, which are those its link's last master-side `raw`
 * record holds at positions `[pos - length, pos)` (at `--record full`, where the raw record of the
 * chunk comes just before the run made from it).
 */
export interface CommandRunByReference extends Omit<CommandRunEvent, 'data'> {
  length: number;
  data?: undefined;
}

/** A record as the file holds it: command runs, command batches and key batches are expanded by `records()`. */
export type StoredRecord = TraceRecord | CommandRunEvent | CommandRunByReference | CommandBatchEvent | RdbKeysEvent;
