import type { ByDirection, Direction, LinkEvent, LinkPhase } from '../link/events.js';
import type { LinkState } from '../link/link-state.js';

/** What a chunk of one direction was, and what decoding it taught. */
export interface ChunkContext {
  link: number;
  dir: Direction;
  chunk: Buffer;
  /** Direction position of the chunk's first byte. */
  start: number;
  /** Events the link decoder returned for the chunk. */
  events: readonly LinkEvent[];
  /** The phase before the chunk, and where it began in each direction. */
  before: PhaseMark;
  /** The link's state after the chunk. */
  state: LinkState;
  /** Bytes of an incomplete frame before the chunk and after it. */
  pendingBefore: number;
  pendingAfter: number;
  now: number;
}

export interface PhaseMark {
  phase: LinkPhase;
  start: ByDirection;
  rdbLength: number | null;
}

/** A stretch of a chunk spent in one phase, in its direction's positions. */
export interface PhaseSegment {
  phase: LinkPhase;
  /** Where the phase began in this direction. */
  begin: number;
  from: number;
  to: number;
  rdbLength: number | null;
}

/** A frame the chunk completed: its byte span and a name to match `when.command` against. */
export interface FrameSpan {
  name: string;
  from: number;
  to: number;
  event: LinkEvent;
}

/** The phases a chunk crosses, in its own direction's positions. */
export function phaseSegments(ctx: ChunkContext, first: number): PhaseSegment[] {
  const end = ctx.start + ctx.chunk.length;
  const segments: PhaseSegment[] = [];
  let current: PhaseSegment = { phase: ctx.before.phase, begin: ctx.before.start[ctx.dir], from: first, to: end, rdbLength: ctx.before.rdbLength };
  for (const event of ctx.events) {
    let next: LinkPhase | null = null;
    let length: number | null = null;
    if (event.type === 'rdb-begin') {
      next = 'rdb';
      length = event.length;
    } else if (event.type === 'rdb-end' || event.type === 'continue') next = 'stream';
    else if (event.type === 'psync' || event.type === 'sync') next = 'sync-wait';
    if (next === null || !('pos' in event)) continue;
    current.to = event.pos;
    segments.push(current);
    current = { phase: next, begin: event.pos, from: event.pos, to: end, rdbLength: length };
  }
  segments.push(current);
  return segments;
}

/** Every frame the chunk completed, with its byte span and a name to match `when.command` against. */
export function frameSpans(ctx: ChunkContext): FrameSpan[] {
  const spans: FrameSpan[] = [];
  let previousEnd = ctx.start - ctx.pendingBefore;
  let previousStart = previousEnd;
  for (const event of ctx.events) {
    let to: number;
    if ('pos' in event && event.type !== 'fault') to = event.pos;
    else if ('size' in event) to = ctx.state.streamPosition(event.offset);
    else continue;
    const from = 'size' in event ? to - event.size : to === previousEnd ? previousStart : previousEnd;
    previousStart = from;
    previousEnd = to;
    spans.push({ name: frameName(event), from, to, event });
  }
  return spans;
}

function frameName(event: LinkEvent): string {
  switch (event.type) {
    case 'command':
      return event.name;
    case 'ping':
      return 'ping';
    case 'getack':
    case 'ack':
      return 'replconf';
    case 'handshake':
      return event.dir === 'r2m' ? (event.command.split(' ', 1)[0] ?? '').toLowerCase() : '';
    case 'psync':
      return 'psync';
    case 'sync':
      return 'sync';
    default:
      return '';
  }
}

export function frameKind(event: LinkEvent): string {
  return event.type === 'ack' || event.type === 'getack' || event.type === 'ping' ? event.type : '';
}
