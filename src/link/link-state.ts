import type { ByDirection, LinkPhase } from './events.js';

/** What one direction of a link learns that the other needs (and what fault triggers measure from). */
export class LinkState {
  phase: LinkPhase = 'handshake';
  /** Position in each direction where the current phase began. */
  readonly phaseStart: ByDirection = { m2r: 0, r2m: 0 };
  /** Payload bytes announced for the RDB in progress or last sent; null for `$EOF:` framing. */
  rdbLength: number | null = null;
  /** m2r position of the stream's first byte, and the replication offset just before it. */
  streamStart = 0;
  streamBase = 0;
  /** Offset asked for by the replica's last PSYNC (the next byte it wants), if any. */
  psyncOffset: number | null = null;
  /** Replication offset reached by the last complete frame the master sent, when known. */
  masterOffset: number | null = null;
  /** The master's replid, from +FULLRESYNC or +CONTINUE. */
  replid: string | null = null;
  /** Bytes seen each way. */
  bytes: ByDirection = { m2r: 0, r2m: 0 };

  /** The m2r position at which the current stream reaches replication offset `offset`. */
  streamPosition(offset: number): number {
    return this.streamStart + (offset - this.streamBase);
  }

  /** The replication offset at m2r position `pos` of the current stream. */
  offsetAt(pos: number): number {
    return this.streamBase + (pos - this.streamStart);
  }

  enter(phase: LinkPhase, m2r: number, r2m: number): void {
    this.phase = phase;
    this.phaseStart.m2r = m2r;
    this.phaseStart.r2m = r2m;
  }
}
