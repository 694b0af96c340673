import type { Direction, LinkPhase } from '../link/events.js';

export const FAULT_ACTIONS = ['delay', 'throttle', 'freeze', 'disconnect', 'drop', 'rewrite-psync', 'corrupt', 'slice'] as const;
export type FaultAction = (typeof FAULT_ACTIONS)[number];

export const FAULT_PHASES: readonly LinkPhase[] = ['handshake', 'sync-wait', 'rdb', 'stream'];

/** Frames a `drop` fault can discard, and the direction each travels. */
export const DROPPABLE_FRAMES = { ack: 'r2m', getack: 'm2r', ping: 'm2r' } as const satisfies Record<string, Direction>;
export type DroppableFrame = keyof typeof DROPPABLE_FRAMES;

/** When a fault acts; every condition given must hold. Counters start when the fault is added. */
export interface FaultTrigger {
  /** Only in this phase; byte counts (`afterBytes`, `afterPercent`) are counted from its start. */
  phase?: LinkPhase;
  /** After this many bytes of the fault's direction (within `phase` when given). */
  afterBytes?: number;
  /** After this share of the RDB payload (needs `phase: "rdb"` and a length-framed RDB). */
  afterPercent?: number;
  /** Once the master's stream reaches this replication offset. */
  offset?: number;
  /** After this many propagated commands. */
  afterCommands?: number;
  /** At the next frame with this command name (propagated commands, or the replica's handshake). */
  command?: string;
  /** This long after the fault was added. */
  afterMs?: number;
  /** Only on this link. */
  link?: number;
}

export interface DelayParams {
  ms: number;
  jitterMs: number;
}
export interface ThrottleParams {
  bytesPerSec: number;
}
export interface FreezeParams {
  /** How long each freeze lasts; null: until the fault is removed. */
  durationMs: number | null;
}
export interface DisconnectParams {
  /** Close with a TCP reset instead of a FIN. */
  reset: boolean;
}
export interface DropParams {
  frames: DroppableFrame[];
}
export interface RewritePsyncParams {
  /** The PSYNC sent instead: `PSYNC ? -1` when null. */
  replid: string | null;
  offset: number | null;
}
export interface CorruptParams {
  /** XOR applied to the byte where the fault acts. */
  mask: number;
}
export interface SliceParams {
  bytes: number;
  /** Pause between the writes of one chunk. */
  intervalMs: number;
}

interface FaultBase {
  id: string;
  direction: Direction | 'both';
  when: FaultTrigger;
  /** How many times it may act; null for no limit. */
  times: number | null;
  /** Chance that a matching trigger acts, drawn from a generator seeded with `seed`. */
  probability: number;
  seed: number;
}

export type Fault =
  | (FaultBase & { action: 'delay'; params: DelayParams })
  | (FaultBase & { action: 'throttle'; params: ThrottleParams })
  | (FaultBase & { action: 'freeze'; params: FreezeParams })
  | (FaultBase & { action: 'disconnect'; params: DisconnectParams })
  | (FaultBase & { action: 'drop'; params: DropParams })
  | (FaultBase & { action: 'rewrite-psync'; params: RewritePsyncParams })
  | (FaultBase & { action: 'corrupt'; params: CorruptParams })
  | (FaultBase & { action: 'slice'; params: SliceParams });

/** Actions that act once per trigger; the others stay in force while their trigger holds. */
export function isOneShot(action: FaultAction): boolean {
  return action === 'disconnect' || action === 'rewrite-psync' || action === 'corrupt';
}
