/** Most bytes one read from the master socket may return, as Node's own reads. */
const READ_BYTES = 64 * 1024;
/** Reads land one after another in a pool this large; a new pool starts when a read might not fit. */
const POOL_BYTES = 1024 * 1024;

/** How the read memory of one connection was used, for `links()` and the control endpoint. */
export interface ReadPoolCounts {
  /** Pools allocated (the first one included). */
  allocated: number;
  /** Times a full pool was started again from its beginning instead of a new one being allocated. */
  reused: number;
}

/**
 * Buffers for `net.connect({ onread })`, which reads straight into memory we supply and skips the
 * Readable stream machinery (measurably cheaper per chunk). Reads go one after another into a pool,
 * and each chunk handed on is a view of the bytes read: no copy for a small read, one allocation
 * per pool instead of one per read.
 *
 * When a pool is full and `reusable()` says nothing still points into it (no write pending, no
 * listener holding a view, the decoder let go of it), the next reads start again at its beginning.
 * Otherwise a new pool is allocated and the old one lives until the last view of it goes. Reuse
 * matters: each new pool is fresh memory that the kernel must zero page by page, and the pools the
 * garbage collector has not yet freed count as external memory that triggers full collections.
 */
export class ReadBuffers {
  private pool = Buffer.allocUnsafe(POOL_BYTES);
  private used = 0;
  readonly counts: ReadPoolCounts = { allocated: 1, reused: 0 };

  constructor(private readonly reusable: () => boolean) {}

  /** Where the next read goes; asked for after the previous chunk was handled. */
  readonly next = (): Buffer => {
    if (this.used + READ_BYTES > POOL_BYTES) {
      if (this.reusable()) {
        this.counts.reused++;
      } else {
        this.pool = Buffer.allocUnsafe(POOL_BYTES);
        this.counts.allocated++;
      }
      this.used = 0;
    }
    return this.pool.subarray(this.used, this.used + READ_BYTES);
  };

  /** Whether a read of `n` bytes filled the memory it was given: more may be waiting in the socket. */
  filled(n: number): boolean {
    return n === READ_BYTES;
  }

  /** The chunk a read of `n` bytes produced. */
  take(n: number): Buffer {
    const chunk = this.pool.subarray(this.used, this.used + n);
    this.used += n;
    return chunk;
  }
}
