/** Size of each read from the master socket, as Node's own reads. */
const READ_BUFFER_BYTES = 64 * 1024;
/** Reads smaller than this are copied out so the read buffer can be used again. */
const COPY_BELOW_BYTES = 16 * 1024;

/**
 * Buffers for `net.connect({ onread })`, which reads straight into a buffer we supply and skips the
 * Readable stream machinery (measurably cheaper per chunk). A buffer handed to a consumer is never
 * written again: a small read is copied out exactly (no 64 KiB kept alive for a few bytes), a large
 * one hands over the buffer itself and the next read gets a fresh one.
 */
export class ReadBuffers {
  private current = Buffer.allocUnsafe(READ_BUFFER_BYTES);

  /** The buffer for the next read. */
  readonly next = (): Buffer => this.current;

  /** The chunk a read of `n` bytes produced, safe to keep. */
  take(n: number): Buffer {
    if (n < COPY_BELOW_BYTES) return Buffer.from(this.current.subarray(0, n));
    const chunk = this.current.subarray(0, n);
    this.current = Buffer.allocUnsafe(READ_BUFFER_BYTES);
    return chunk;
  }
}
