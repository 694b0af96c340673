import { createHash, type Hash } from 'node:crypto';
import type { Socket } from 'node:net';

/**
 * One direction of a link: reads chunks from `source`, hands each to `onChunk` (decode, record),
 * then writes it to `target`. When the target's buffer is full the source is paused until it
 * drains, so a slow reader slows the writer at the other end exactly as a direct TCP link would,
 * and repltap holds at most one chunk plus the socket buffers.
 */
export class Pipe {
  private waitingForDrain = false;
  private readonly readHash: Hash | null;
  private readonly writeHash: Hash | null;
  private readonly resume = (): void => {
    this.waitingForDrain = false;
    if (!this.source.destroyed) this.source.resume();
  };

  constructor(
    private readonly source: Socket,
    private readonly target: Socket,
    private readonly onChunk: (chunk: Buffer) => void,
    digests: boolean,
  ) {
    this.readHash = digests ? createHash('sha256') : null;
    this.writeHash = digests ? createHash('sha256') : null;
  }

  /** Takes chunks from the source's `data` events (for sockets read without `onread`). */
  start(): void {
    this.source.on('data', this.handle);
  }

  /** One chunk read from the source; returns false while the target is full (reading pauses). */
  readonly handle = (chunk: Buffer): boolean => {
    this.readHash?.update(chunk);
    this.onChunk(chunk);
    return this.write(chunk);
  };

  write(chunk: Buffer): boolean {
    if (this.target.destroyed || this.target.writableEnded) return true;
    this.writeHash?.update(chunk);
    if (this.target.write(chunk)) return true;
    if (!this.waitingForDrain) {
      this.waitingForDrain = true;
      this.source.pause();
      this.target.once('drain', this.resume);
    }
    return false;
  }

  /** SHA-256 (hex) of the bytes read and written so far, when digests are on. */
  digests(): { read: string; written: string } | null {
    if (this.readHash === null || this.writeHash === null) return null;
    return { read: this.readHash.copy().digest('hex'), written: this.writeHash.copy().digest('hex') };
  }
}
