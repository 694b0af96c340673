import type { CommandScannerOptions } from '../resp/command-scanner.js';
import type { RecordLevel } from './events.js';

/**
 * How much of an RDB payload in transfer is decoded: `none` frames and measures it, `summary` adds
 * aux fields and counts per db and type, `keys` a record per key, `values` the values too.
 */
export type RdbDepth = 'none' | 'summary' | 'keys' | 'values';
export const RDB_DEPTHS: readonly RdbDepth[] = ['none', 'summary', 'keys', 'values'];

export interface LinkDecoderOptions {
  /** Link id stamped on every event. */
  link: number;
  /** Keep command arguments in `command` events (`--record commands` and `full`). */
  args: boolean;
  /** Keep AUTH passwords in `handshake` events instead of redacting them. */
  recordSecrets: boolean;
  /**
   * How much of the RDB payload to decode: counts and aux fields (`summary`), plus one event per
   * key (`keys`), plus values (`values`); `none` only frames and measures it.
   */
  rdb: RdbDepth;
  /** RDB values larger than this are reported by size and digest, not held (default 1 MiB). */
  rdbMaxValueBytes?: number;
  /** Limits for argument capture and bulk lengths. */
  scanner?: Partial<CommandScannerOptions>;
}

/** The RDB depth a trace recorded at `record` gets unless told otherwise (see docs/trace-format.md). */
export function defaultRdbDepth(record: RecordLevel): RdbDepth {
  return record === 'meta' ? 'summary' : record === 'commands' ? 'keys' : 'values';
}

/** What the decoder must extract for a trace recorded at `record`, the RDB to `rdb` (by default, as the level says). */
export function decodingFor(record: RecordLevel, rdb: RdbDepth = defaultRdbDepth(record)): Pick<LinkDecoderOptions, 'args' | 'rdb'> {
  return { args: record !== 'meta', rdb };
}
