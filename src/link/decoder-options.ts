import type { CommandScannerOptions } from '../resp/command-scanner.js';

export interface LinkDecoderOptions {
  /** Link id stamped on every event. */
  link: number;
  /** Keep command arguments in `command` events (`--record commands` and `full`). */
  args: boolean;
  /** Keep AUTH passwords in `handshake` events instead of redacting them. */
  recordSecrets: boolean;
  /** Limits for argument capture and bulk lengths. */
  scanner?: Partial<CommandScannerOptions>;
}
