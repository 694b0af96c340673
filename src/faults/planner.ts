import type { ByDirection, Direction, FaultEvent, LinkPhase } from '../link/events.js';
import type { LinkState } from '../link/link-state.js';
import { encodeCommand } from '../resp/encode.js';
import { FaultSpecError } from './errors.js';
import { parseFault } from './parse.js';
import { frameKind, frameSpans, phaseSegments, type ChunkContext, type FrameSpan, type PhaseSegment } from './chunk-map.js';
import { describeAt, describeLasting, hex } from './describe.js';
import { Piece, PieceList } from './pieces.js';
import { seededGenerator } from '../random.js';
import { isOneShot, type Fault } from './spec.js';
import { counted } from '../counted.js';

/** The longest incomplete frame held back while a fault may drop or rewrite it (control frames are tiny). */
const HOLD_MAX_BYTES = 64 * 1024;
/** Throttled bytes go out in slices of at most this share of a second. */
const THROTTLE_SLICE_SECONDS = 0.05;

export type Step =
  | { kind: 'write'; data: Buffer; at: number; heldBy: string | null }
  | { kind: 'cut'; reset: boolean; at: number; heldBy: string | null };

export interface ChunkPlan {
  steps: Step[];
  events: FaultEvent[];
  /** The PSYNC the master will see instead of the replica's, when a fault rewrote it. */
  psync: { replid: string; offset: number } | null;
}

/** A link-level action taken on a timer rather than on bytes (a disconnect on an idle link). */
export interface TimedCut {
  link: number;
  reset: boolean;
  event: FaultEvent;
}

/** What the planner needs to know of a live link outside of a chunk. */
export interface LinkSnapshot {
  link: number;
  state: LinkState;
}

/** Per fault and link: where its counters started and what it has done there. */
interface FaultOnLink {
  base: ByDirection;
  commands: number;
  /** Bytes of the master's stream a `drop` took out: what the replica's offset is short by. */
  droppedStreamBytes: number;
  /** Phase instances (phase@begin) where a one-shot fault acted or a lasting one was started. */
  acted: Set<string>;
  active: { key: string; since: number; until: number | null } | null;
}

/** Where a trigger holds within a chunk. */
interface Hit {
  at: number;
  to: number;
  key: string;
  phase: LinkPhase;
  /** Bytes into the phase. */
  within: number;
}

interface FaultEntry {
  fault: Fault;
  addedAt: number;
  acts: number;
  random: () => number;
  links: Map<number, FaultOnLink>;
}

/** Per link and direction: what the output already promised. */
interface DirectionOutput {
  lastAt: number;
  tail: Piece | null;
  /** Per throttle or slice fault: the earliest time its next write may go. */
  paced: Map<string, number>;
}

/**
 * Decides, for each chunk of each link, what leaves the tap and when: the pure half of fault
 * injection. It is fed the chunk with the events the link decoder found in it and returns the
 * writes (with their times, or held by a freeze), a cut, and a `fault` event for each act.
 */
export class FaultPlanner {
  private readonly entries = new Map<string, FaultEntry>();
  private readonly outputs = new Map<number, DirectionOutput>();
  private nextId = 1;

  /** Validates and adds a fault; counters and times start now. */
  add(spec: unknown, now: number, links: readonly LinkSnapshot[]): Fault {
    const fault = parseFault(spec, `f${this.nextId}`);
    if (this.entries.has(fault.id)) throw new FaultSpecError('id', `a fault with id ${JSON.stringify(fault.id)} is already active; remove it first or choose another id`);
    this.nextId++;
    const entry: FaultEntry = { fault, addedAt: now, acts: 0, random: seededGenerator(fault.seed), links: new Map() };
    for (const { link, state } of links) entry.links.set(link, this.freshOnLink({ ...state.bytes }));
    this.entries.set(fault.id, entry);
    return fault;
  }

  remove(id: string): boolean {
    return this.entries.delete(id);
  }

  clear(): void {
    this.entries.clear();
  }

  list(): Fault[] {
    return [...this.entries.values()].map((e) => e.fault);
  }

  /** How many times each fault has acted. */
  acts(id: string): number {
    return this.entries.get(id)?.acts ?? 0;
  }

  /** True when no fault could touch this link's direction: the caller forwards untouched. */
  idle(link: number, dir: Direction): boolean {
    // Called for every chunk of every link: nothing is allocated on the way to `true`.
    if (this.entries.size === 0) return this.outputs.size === 0 || !this.outputs.has(outputKey(link, dir));
    for (const { fault } of this.entries.values()) {
      if (fault.when.link !== undefined && fault.when.link !== link) continue;
      if (fault.direction === 'both' || fault.direction === dir || (fault.action === 'disconnect' && triggerDirection(fault) === dir)) return false;
    }
    return !this.outputs.has(outputKey(link, dir));
  }

  /** Whether a freeze fault still holds its bytes (false once removed or expired). */
  holds(id: string, now: number): boolean {
    const entry = this.entries.get(id);
    if (!entry) return false;
    for (const on of entry.links.values()) if (on.active && (on.active.until === null || on.active.until > now)) return true;
    return false;
  }

  /**
   * The freeze in force on a link's direction, if any, as the write step it would put last in
   * line: a FIN waits behind it like any byte.
   */
  gate(link: number, dir: Direction, phase: LinkPhase, now: number): Step | null {
    for (const entry of this.entries.values()) {
      const { fault } = entry;
      if (fault.action !== 'freeze' || (fault.direction !== 'both' && fault.direction !== dir)) continue;
      const on = entry.links.get(link);
      if (on === undefined || !this.inForce(on, fault, phase, now)) continue;
      return { kind: 'write', data: Buffer.alloc(0), at: on.active.until ?? now, heldBy: on.active.until === null ? fault.id : null };
    }
    return null;
  }

  /** A link is gone: forget its output state. */
  forget(link: number): void {
    this.outputs.delete(outputKey(link, 'm2r'));
    this.outputs.delete(outputKey(link, 'r2m'));
    for (const entry of this.entries.values()) entry.links.delete(link);
  }

  /** The next time a fault waits for (an `afterMs` to pass, a freeze to end), or null. */
  nextDeadline(now: number): number | null {
    let next: number | null = null;
    for (const entry of this.entries.values()) {
      const { afterMs } = entry.fault.when;
      const due = afterMs === undefined ? null : entry.addedAt + afterMs;
      if (due !== null && due > now) next = next === null ? due : Math.min(next, due);
      for (const on of entry.links.values()) {
        const until = on.active?.until ?? null;
        if (until !== null && until > now) next = next === null ? until : Math.min(next, until);
      }
    }
    return next;
  }

  /**
   * Disconnects that wait for no byte: their phase (if any) holds and their time has come. Called
   * when a fault is added and on the deadlines `nextDeadline` gives, so an idle link is cut too.
   */
  poll(now: number, links: readonly LinkSnapshot[]): TimedCut[] {
    const cuts: TimedCut[] = [];
    for (const entry of this.entries.values()) {
      const { fault } = entry;
      if (fault.action !== 'disconnect' || hasBytePosition(fault) || !this.timeHolds(entry, now)) continue;
      for (const { link, state } of links) {
        if (fault.when.link !== undefined && fault.when.link !== link) continue;
        if (fault.when.phase !== undefined && fault.when.phase !== state.phase) continue;
        if (this.spent(entry)) break;
        const dir = triggerDirection(fault);
        const on = this.onLink(entry, link);
        const key = `${state.phase}@${state.phaseStart[dir]}`;
        if (on.acted.has(key)) continue;
        on.acted.add(key);
        if (!this.draw(entry)) continue;
        entry.acts++;
        const event = this.event(entry, link, dir, state.bytes[dir], state, state.phase, now, `disconnected the link${fault.params.reset ? ' with a reset' : ''} (idle, at ${state.phase})`);
        cuts.push({ link, reset: fault.params.reset, event });
      }
    }
    return cuts;
  }

  plan(ctx: ChunkContext): ChunkPlan {
    const key = outputKey(ctx.link, ctx.dir);
    const output = this.outputs.get(key) ?? { lastAt: 0, tail: null, paced: new Map() };
    this.outputs.set(key, output);
    const end = ctx.start + ctx.chunk.length;
    const pieces = new PieceList();
    if (output.tail) pieces.push(output.tail);
    output.tail = null;
    pieces.push(new Piece(ctx.chunk, ctx.start, end, ctx.now, null));
    const segments = phaseSegments(ctx, Math.min(pieces.first, ctx.start));
    const frames = frameSpans(ctx);
    const events: FaultEvent[] = [];
    let psync: ChunkPlan['psync'] = null;
    let cut: { at: number; reset: boolean } | null = null;
    let holdTail = false;

    for (const entry of this.entries.values()) {
      const { fault } = entry;
      if (fault.when.link !== undefined && fault.when.link !== ctx.link) continue;
      const td = triggerDirection(fault);
      const on = this.onLink(entry, ctx.link);
      const applies = fault.direction === 'both' || fault.direction === ctx.dir;
      if (td !== ctx.dir) {
        // The trigger counts the other direction: this one only follows a lasting fault already in force.
        if (applies && !isOneShot(fault.action) && fault.action !== 'drop' && this.inForce(on, fault, ctx.state.phase, ctx.now)) {
          this.shape(entry, on, pieces, output, ctx, ctx.start, end);
        }
        continue;
      }
      if (!this.timeHolds(entry, ctx.now)) continue;
      if (fault.action === 'drop' || fault.action === 'rewrite-psync') holdTail = true;
      const hit = this.trigger(entry, on, ctx, segments, frames);
      if (hit === null) continue;
      switch (fault.action) {
        case 'disconnect': {
          if (!this.claim(entry, on, hit.key)) break;
          if (cut === null || hit.at < cut.at) cut = { at: hit.at, reset: fault.params.reset };
          events.push(this.event(entry, ctx.link, ctx.dir, hit.at, ctx.state, hit.phase, ctx.now, `disconnected the link${fault.params.reset ? ' with a reset' : ''} after ${describeAt(hit)}`));
          break;
        }
        case 'corrupt': {
          if (hit.at >= Math.min(end, hit.to) || !this.claim(entry, on, hit.key)) break;
          const original = pieces.flip(hit.at, fault.params.mask);
          if (original !== null) events.push(this.event(entry, ctx.link, ctx.dir, hit.at, ctx.state, hit.phase, ctx.now, `flipped byte ${describeAt(hit)}: 0x${hex(original)} → 0x${hex(original ^ fault.params.mask)}`));
          break;
        }
        case 'rewrite-psync': {
          const frame = frames.find((f) => f.event.type === 'psync' && f.from >= hit.at);
          if (!frame || frame.from < pieces.first || !this.claim(entry, on, hit.key)) break;
          const replid = fault.params.replid ?? '?';
          const offset = fault.params.offset ?? -1;
          pieces.replace(frame.from, frame.to, encodeCommand(['PSYNC', replid, offset]), ctx.now);
          psync = { replid, offset };
          events.push(this.event(entry, ctx.link, ctx.dir, frame.from, ctx.state, hit.phase, ctx.now, `rewrote the replica's PSYNC to PSYNC ${replid} ${offset}`));
          break;
        }
        case 'drop': {
          for (const frame of frames) {
            if (frame.from < hit.at || frame.from >= hit.to || frame.from < pieces.first || !fault.params.frames.some((kind) => frameKind(frame.event) === kind)) continue;
            if (this.spent(entry)) break;
            if (!this.draw(entry)) continue;
            entry.acts++;
            pieces.remove(frame.from, frame.to);
            const bytes = frame.to - frame.from;
            let detail = `dropped a ${frameKind(frame.event)} frame of ${counted(bytes, 'byte')}`;
            // A PING or GETACK counts in the offset: the replica's falls behind, and a partial resync
            // from it would have the master send again what the replica already applied.
            if (ctx.dir === 'm2r') {
              on.droppedStreamBytes += bytes;
              detail += `; the replica's offset is now short of the master's by the ${counted(on.droppedStreamBytes, 'byte')} this fault dropped on this link`;
            }
            events.push(this.event(entry, ctx.link, ctx.dir, frame.from, ctx.state, hit.phase, ctx.now, detail));
          }
          break;
        }
        default: {
          if (on.active?.key !== hit.key) {
            if (!this.claim(entry, on, hit.key)) break;
            const until = fault.action === 'freeze' && fault.params.durationMs !== null ? ctx.now + fault.params.durationMs : null;
            on.active = { key: hit.key, since: hit.at, until };
            events.push(this.event(entry, ctx.link, ctx.dir, hit.at, ctx.state, hit.phase, ctx.now, `${describeLasting(fault)} from ${describeAt(hit)}`));
          }
          if (this.inForce(on, fault, hit.phase, ctx.now)) this.shape(entry, on, pieces, output, ctx, Math.max(hit.at, on.active.since), hit.to);
        }
      }
    }

    if (cut !== null) {
      pieces.truncate(cut.at);
      const steps: Step[] = pieces.steps(output);
      steps.push({ kind: 'cut', reset: cut.reset, at: output.lastAt, heldBy: null });
      return { steps, events, psync };
    }
    if (holdTail && ctx.pendingAfter > 0 && ctx.pendingAfter <= HOLD_MAX_BYTES) output.tail = pieces.detachFrom(end - ctx.pendingAfter);
    const steps = pieces.steps(output);
    if (this.entries.size === 0 && output.tail === null) this.outputs.delete(key);
    return { steps, events, psync };
  }

  /** Applies a lasting fault (delay, throttle, slice, freeze) to the bytes in [from, to). */
  private shape(entry: FaultEntry, on: FaultOnLink, pieces: PieceList, output: DirectionOutput, ctx: ChunkContext, from: number, to: number): void {
    const { fault } = entry;
    const range = pieces.range(from, to);
    if (range.length === 0) return;
    switch (fault.action) {
      case 'delay':
        for (const piece of range) piece.at = Math.max(piece.at, ctx.now + fault.params.ms + (fault.params.jitterMs > 0 ? entry.random() * fault.params.jitterMs : 0));
        break;
      case 'throttle': {
        const rate = fault.params.bytesPerSec;
        const slice = Math.max(1, Math.floor(rate * THROTTLE_SLICE_SECONDS));
        let free = Math.max(output.paced.get(fault.id) ?? 0, ctx.now);
        for (const piece of pieces.splitEvery(range, slice)) {
          piece.at = Math.max(piece.at, free);
          free = piece.at + ((piece.to - piece.from) / rate) * 1000;
        }
        output.paced.set(fault.id, free);
        break;
      }
      case 'slice': {
        let at = Math.max(output.paced.get(fault.id) ?? 0, ctx.now);
        for (const piece of pieces.splitEvery(range, fault.params.bytes)) {
          piece.at = Math.max(piece.at, at);
          at = piece.at + fault.params.intervalMs;
        }
        output.paced.set(fault.id, at);
        break;
      }
      case 'freeze':
        for (const piece of range) {
          if (on.active?.until === null) piece.heldBy = fault.id;
          else piece.at = Math.max(piece.at, on.active?.until ?? piece.at);
        }
        break;
    }
  }

  /**
   * Where in this chunk a fault's trigger first holds, if it does: the byte position, where its
   * phase ends within the chunk, and the key of the phase instance (one act per instance).
   */
  private trigger(entry: FaultEntry, on: FaultOnLink, ctx: ChunkContext, segments: PhaseSegment[], frames: FrameSpan[]): Hit | null {
    const { when } = entry.fault;
    const end = ctx.start + ctx.chunk.length;
    const lasting = !isOneShot(entry.fault.action);
    let frameAt: number | null = null;
    if (when.afterCommands !== undefined || when.command !== undefined) {
      let counted = on.commands;
      for (const frame of frames) {
        if (frame.event.type === 'command') counted++;
        if (frameAt !== null || frame.from < on.base[ctx.dir]) continue;
        if (when.command !== undefined && frame.name !== when.command) continue;
        if (when.afterCommands !== undefined && counted < when.afterCommands) continue;
        frameAt = when.command !== undefined ? frame.from : frame.to;
      }
      on.commands = counted;
      if (frameAt === null) return null;
    }
    for (const segment of segments) {
      if (when.phase !== undefined && when.phase !== segment.phase) continue;
      const from = when.phase === undefined ? on.base[ctx.dir] : Math.max(on.base[ctx.dir], segment.begin);
      let at = Math.max(from, segment.from);
      if (when.afterBytes !== undefined) at = Math.max(at, from + when.afterBytes);
      if (when.afterPercent !== undefined) {
        if (segment.rdbLength === null) continue;
        at = Math.max(at, segment.begin + Math.floor((segment.rdbLength * when.afterPercent) / 100));
      }
      if (when.offset !== undefined) {
        if (segment.phase !== 'stream') continue;
        at = Math.max(at, ctx.state.streamPosition(when.offset));
      }
      if (frameAt !== null) at = Math.max(at, frameAt);
      const to = when.phase === undefined ? end : segment.to;
      if (lasting ? at >= to : at > to) continue;
      const key = when.phase === undefined ? 'link' : `${segment.phase}@${segment.begin}`;
      return { at, to, key, phase: segment.phase, within: at - segment.begin };
    }
    return null;
  }

  private inForce(on: FaultOnLink, fault: Fault, phase: LinkPhase, now: number): on is FaultOnLink & { active: NonNullable<FaultOnLink['active']> } {
    if (on.active === null) return false;
    if (fault.when.phase !== undefined && fault.when.phase !== phase) return false;
    return on.active.until === null || on.active.until > now || fault.action !== 'freeze';
  }

  private timeHolds(entry: FaultEntry, now: number): boolean {
    const { afterMs } = entry.fault.when;
    return afterMs === undefined || now >= entry.addedAt + afterMs;
  }

  /** Counts an act in a phase instance, once, if the fault has acts left and its chance says so. */
  private claim(entry: FaultEntry, on: FaultOnLink, key: string): boolean {
    if (on.acted.has(key) || this.spent(entry)) return false;
    on.acted.add(key);
    if (!this.draw(entry)) return false;
    entry.acts++;
    return true;
  }

  private spent(entry: FaultEntry): boolean {
    return entry.fault.times !== null && entry.acts >= entry.fault.times;
  }

  private draw(entry: FaultEntry): boolean {
    return entry.fault.probability >= 1 || entry.random() < entry.fault.probability;
  }

  private onLink(entry: FaultEntry, link: number): FaultOnLink {
    let on = entry.links.get(link);
    if (!on) {
      // A link opened after the fault was added (live links were registered by `add`) counts from its first byte.
      on = this.freshOnLink({ m2r: 0, r2m: 0 });
      entry.links.set(link, on);
    }
    return on;
  }

  private freshOnLink(base: ByDirection): FaultOnLink {
    return { base: { ...base }, commands: 0, droppedStreamBytes: 0, acted: new Set(), active: null };
  }

  private event(entry: FaultEntry, link: number, dir: Direction, pos: number, state: LinkState, phase: LinkPhase, now: number, detail: string): FaultEvent {
    const { fault } = entry;
    const inStream = dir === 'm2r' && phase === 'stream' && pos >= state.streamStart;
    return { type: 'fault', t: now, link, id: fault.id, action: fault.action, dir: fault.direction, pos, offset: inStream ? state.offsetAt(pos) : null, phase, detail };
  }
}

/** The direction whose bytes a fault's trigger counts: the master's stream unless it acts on r2m only. */
export function triggerDirection(fault: Fault): Direction {
  return fault.direction === 'r2m' ? 'r2m' : 'm2r';
}

function hasBytePosition(fault: Fault): boolean {
  const { when } = fault;
  return when.afterBytes !== undefined || when.afterPercent !== undefined || when.offset !== undefined || when.afterCommands !== undefined || when.command !== undefined;
}

function outputKey(link: number, dir: Direction): number {
  return link * 2 + (dir === 'm2r' ? 0 : 1);
}
