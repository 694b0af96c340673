import type { LinkPhase } from './events.js';

/** What one direction of a link learns that the other needs. */
export class LinkState {
  phase: LinkPhase = 'handshake';
  /** Offset asked for by the replica's last PSYNC (the next byte it wants), if any. */
  psyncOffset: number | null = null;
  /** Replication offset reached by the last complete frame the master sent, when known. */
  masterOffset: number | null = null;
  /** The master's replid, from +FULLRESYNC or +CONTINUE. */
  replid: string | null = null;
  /** Bytes seen each way. */
  bytes = { m2r: 0, r2m: 0 };
}
