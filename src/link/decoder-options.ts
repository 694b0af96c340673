import type { CommandScannerOptions } from '../resp/command-scanner.js';

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
