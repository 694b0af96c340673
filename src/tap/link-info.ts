import type { ByDirection, LinkPhase } from '../link/events.js';
import type { ReadPoolCounts } from './read-buffers.js';

/** A live link as the library API and the control API show it. */
export interface LinkInfo {
  id: number;
  replica: string;
  master: string;
  /** Epoch ms when the replica connected. */
  openedAt: number;
  phase: LinkPhase;
  replid: string | null;
  /** Replication offset of the last complete frame the master sent. */
  masterOffset: number | null;
  /** Offset of the replica's last `REPLCONF ACK`. */
  ackOffset: number | null;
  lastAckAt: number | null;
  /**
   * Epoch ms when the oldest stream bytes the replica has not confirmed with an ACK arrived from
   * the master: the replica is behind since then. Null when it has confirmed all that arrived (or
   * has not sent an ACK yet).
   */
  unconfirmedSince: number | null;
  /** Payload bytes of an RDB in progress. */
  rdbBytes: number | null;
  /** Bytes that arrived at the tap each way. */
  bytes: ByDirection;
  /** Bytes handed on to the other side each way: what `bytes` has beyond these, faults are holding. */
  forwarded: ByDirection;
  /** Directions that stopped decoding after a protocol error (bytes still flow). */
  opaque: ByDirection<boolean>;
  /** The 1 MiB pools the master side is read into: how many were allocated, how many times one was reused. */
  readPools: ReadPoolCounts;
  /**
   * Reads of the master's socket, and how many of them were followed by a pause for its bytes to
   * gather in the kernel (during RDB transfers only, after a read that emptied the socket).
   */
  masterReads: { reads: number; pauses: number };
  /** SHA-256 of the bytes read from and written to each side, when the tap was started with `digests`. */
  digests?: ByDirection<{ read: string; written: string }>;
}
