import type { CommandScannerOptions } from '../resp/command-scanner.js';
import type { RecordLevel } from './events.js';

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
  rdb: 'none' | 'summary' | 'keys' | 'values';
  /** RDB values larger than this are reported by size and digest, not held (default 1 MiB). */
  rdbMaxValueBytes?: number;
  /** Limits for argument capture and bulk lengths. */
  scanner?: Partial<CommandScannerOptions>;
}

/** What the decoder must extract for a trace recorded at `record` (see docs/trace-format.md). */
export function decodingFor(record: RecordLevel): Pick<LinkDecoderOptions, 'args' | 'rdb'> {
  return { args: record !== 'meta', rdb: record === 'meta' ? 'summary' : record === 'commands' ? 'keys' : 'values' };
}
