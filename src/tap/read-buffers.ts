/** Most bytes one read from the master socket may return, as Node's own reads. */
const READ_BYTES = 64 * 1024;
/** Reads land one after another in a pool this large; a new pool starts when a read might not fit. */
const POOL_BYTES = 1024 * 1024;

/**
 * Buffers for `net.connect({ onread })`, which reads straight into memory we supply and skips the
 * Readable stream machinery (measurably cheaper per chunk). Reads go one after another into a pool,
 * and each chunk handed on is a view of the bytes read, never written again: no copy for a small
 * read, one allocation per pool instead of one per read. The price: a view kept after its chunk
 * was handled (an `event` listener holding a command's arguments, a write a fault queued) keeps
 * its whole pool alive until it goes.
 */
export class ReadBuffers {
  private pool = Buffer.allocUnsafe(POOL_BYTES);
  private used = 0;

  /** Where the next read goes. */
  readonly next = (): Buffer => this.pool.subarray(this.used, this.used + READ_BYTES);

  /** The chunk a read of `n` bytes produced, safe to keep. */
  take(n: number): Buffer {
    const chunk = this.pool.subarray(this.used, this.used + n);
    this.used += n;
    if (this.used + READ_BYTES > POOL_BYTES) {
      this.pool = Buffer.allocUnsafe(POOL_BYTES);
      this.used = 0;
    }
    return chunk;
  }
}
