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

  start(): void {
    this.source.on('data', (chunk: Buffer) => {
      this.readHash?.update(chunk);
      this.onChunk(chunk);
      this.write(chunk);
    });
  }

  write(chunk: Buffer): void {
    if (this.target.destroyed || this.target.writableEnded) return;
    this.writeHash?.update(chunk);
    if (!this.target.write(chunk) && !this.waitingForDrain) {
      this.waitingForDrain = true;
      this.source.pause();
      this.target.once('drain', this.resume);
    }
  }

  /** SHA-256 (hex) of the bytes read and written so far, when digests are on. */
  digests(): { read: string; written: string } | null {
    if (this.readHash === null || this.writeHash === null) return null;
    return { read: this.readHash.copy().digest('hex'), written: this.writeHash.copy().digest('hex') };
  }
}
