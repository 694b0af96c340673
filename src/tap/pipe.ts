import { createHash, type Hash } from 'node:crypto';
import type { Socket } from 'node:net';
import type { Step } from '../faults/planner.js';

/** Bytes a pipe may hold in planned writes (delayed, throttled, frozen) before it stops reading. */
const QUEUE_CAP_BYTES = 256 * 1024;

export interface PipeHooks {
  /** Decode and record a chunk; returns the planned writes when a fault shapes it, or null to forward it as is. */
  chunk(chunk: Buffer): Step[] | null;
  /** A planned cut came due: close the link. */
  cut(reset: boolean): void;
  /** Whether a freeze still holds bytes. */
  holds(faultId: string): boolean;
  /** The freeze in force on this direction, as an empty write to queue behind (or null). */
  gate(): Step | null;
  now(): number;
  /**
   * After a chunk of this many bytes was handed on: how long to leave the source unread so that its
   * bytes gather into fewer, larger reads (0: read on at once).
   */
  readPause(chunkBytes: number): number;
}

/**
 * One direction of a link: reads chunks from `source`, hands each to the hooks (decode, record,
 * plan faults), then writes it to `target`. When the target's buffer is full, or planned writes
 * pile up past a cap, the source is paused until they drain, so a slow reader slows the writer at
 * the other end exactly as a direct TCP link would, and repltap's memory stays bounded. The hooks
 * may also ask for a short pause after a chunk, for the source's bytes to gather in the kernel.
 */
export class Pipe {
  private waitingForDrain = false;
  private pausedByQueue = false;
  private readonly queue: Step[] = [];
  private queuedBytes = 0;
  private timer: NodeJS.Timeout | null = null;
  /** Set while the source is left unread for its bytes to gather (see `PipeHooks.readPause`). */
  private gathering: NodeJS.Timeout | null = null;
  private finishing: (() => void) | null = null;
  private stopped = false;
  private writtenBytes = 0;
  private readonly readHash: Hash | null;
  private readonly writeHash: Hash | null;
  private readonly resume = (): void => {
    this.waitingForDrain = false;
    if (this.queue.length > 0) this.pump();
    else this.readAgain();
  };
  private readonly gathered = (): void => {
    this.gathering = null;
    if (!this.waitingForDrain && !this.pausedByQueue) this.readAgain();
  };
  private readonly pumpLater = (): void => {
    this.timer = null;
    this.pump();
  };

  constructor(
    private readonly source: Socket,
    private readonly target: Socket,
    private readonly hooks: PipeHooks,
    digests: boolean,
  ) {
    this.readHash = digests ? createHash('sha256') : null;
    this.writeHash = digests ? createHash('sha256') : null;
  }

  /** Takes chunks from the source's `data` events (for sockets read without `onread`). */
  start(): void {
    this.source.on('data', this.handle);
  }

  /** One chunk read from the source; returns false when reading pauses (the target is full, or the source's bytes are left to gather). */
  readonly handle = (chunk: Buffer): boolean => {
    this.readHash?.update(chunk);
    const steps = this.hooks.chunk(chunk);
    if (this.stopped) return true;
    if (steps === null && this.queue.length === 0) return this.write(chunk) && this.readOn(chunk.length);
    if (steps === null) this.enqueue({ kind: 'write', data: chunk, at: 0, heldBy: null });
    else for (const step of steps) this.enqueue(step);
    this.pump();
    if (this.queuedBytes > QUEUE_CAP_BYTES && !this.pausedByQueue) {
      this.pausedByQueue = true;
      this.source.pause();
    }
    return !this.pausedByQueue && !this.waitingForDrain && this.readOn(chunk.length);
  }

  /** The source ended: end the target once every planned write has gone, then call `done`. */
  finish(done: () => void): void {
    const gate = this.queue.length === 0 && !this.stopped && this.finishing === null ? this.hooks.gate() : null;
    if (gate !== null) {
      this.enqueue(gate);
      this.finishing = done;
      this.pump();
      return;
    }
    if (this.queue.length === 0 || this.stopped) {
      if (!this.target.destroyed) this.target.end();
      done();
      return;
    }
    this.finishing = done;
  }

  /** Whether no planned write is waiting (every chunk handled has been given to the target). */
  drained(): boolean {
    return this.queue.length === 0;
  }

  /** Forget planned writes and take no more (the link is being cut). */
  stop(): void {
    this.stopped = true;
    this.queue.length = 0;
    this.queuedBytes = 0;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    if (this.gathering) clearTimeout(this.gathering);
    this.gathering = null;
  }

  /** Something a held write waits for may have changed (a fault was removed). */
  kick(): void {
    if (this.queue.length > 0 && !this.waitingForDrain) this.pump();
  }

  /**
   * Bytes handed on to the target so far: not planned writes still queued, nor what the target's
   * own buffer held when it was destroyed (see `dropUnsent`).
   */
  get written(): number {
    return this.writtenBytes;
  }

  /** The target is about to be destroyed: what its buffer still holds will never be sent. */
  dropUnsent(): void {
    if (!this.target.destroyed) this.writtenBytes -= this.target.writableLength;
  }

  /** SHA-256 (hex) of the bytes read and written so far, when digests are on. */
  digests(): { read: string; written: string } | null {
    if (this.readHash === null || this.writeHash === null) return null;
    return { read: this.readHash.copy().digest('hex'), written: this.writeHash.copy().digest('hex') };
  }

  /** Whether to read on at once after a chunk of `bytes`; if not, the source is paused until the pause the hooks ask for is over. */
  private readOn(bytes: number): boolean {
    const ms = this.hooks.readPause(bytes);
    if (ms <= 0) return true;
    this.gathering = setTimeout(this.gathered, ms);
    this.source.pause();
    return false;
  }

  /** Reads the source again, unless it is left to gather or gone. */
  private readAgain(): void {
    if (this.gathering === null && !this.source.destroyed) this.source.resume();
  }

  private write(chunk: Buffer): boolean {
    if (this.target.destroyed || this.target.writableEnded) return true;
    this.writeHash?.update(chunk);
    this.writtenBytes += chunk.length;
    if (this.target.write(chunk)) return true;
    if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      this.source.pause();
      this.target.once('drain', this.resume);
    }
    return false;
  }

  private enqueue(step: Step): void {
    this.queue.push(step);
    if (step.kind === 'write') this.queuedBytes += step.data.length;
  }

  /** Writes what is due, in order; waits on a timer, a freeze or the target's drain otherwise. */
  private pump(): void {
    if (this.timer || this.waitingForDrain) return;
    while (this.queue.length > 0 && !this.stopped) {
      const step = this.queue[0]!;
      if (step.heldBy !== null && this.hooks.holds(step.heldBy)) return;
      const wait = step.at - this.hooks.now();
      if (wait > 0) {
        this.timer = setTimeout(this.pumpLater, Math.ceil(wait));
        return;
      }
      this.queue.shift();
      if (step.kind === 'cut') {
        this.hooks.cut(step.reset);
        return;
      }
      this.queuedBytes -= step.data.length;
      if (step.data.length > 0 && !this.write(step.data)) return;
    }
    if (this.queue.length === 0 && this.finishing) {
      const done = this.finishing;
      this.finishing = null;
      this.finish(done);
    }
    if (this.pausedByQueue && this.queuedBytes <= QUEUE_CAP_BYTES / 2) {
      this.pausedByQueue = false;
      if (!this.waitingForDrain) this.readAgain();
    }
  }
}
