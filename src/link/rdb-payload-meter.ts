import { parseRdbMagic, RDB_MAGIC_BYTES, type RdbMagic } from '../rdb/magic.js';

/** Counts the bytes of an RDB payload as it passes and reads its version from the header. */
export class RdbPayloadMeter {
  bytes = 0;
  private readonly head = Buffer.allocUnsafe(RDB_MAGIC_BYTES);
  private headLength = 0;

  feed(chunk: Uint8Array, from: number, to: number): void {
    if (this.headLength < RDB_MAGIC_BYTES && to > from) {
      const n = Math.min(RDB_MAGIC_BYTES - this.headLength, to - from);
      this.head.set(chunk.subarray(from, from + n), this.headLength);
      this.headLength += n;
    }
    this.bytes += to - from;
  }

  /** True once enough bytes arrived to judge the header. */
  get headerComplete(): boolean {
    return this.headLength === RDB_MAGIC_BYTES;
  }

  get magic(): RdbMagic | null {
    return parseRdbMagic(this.head.subarray(0, this.headLength));
  }

  /** The first bytes, for error messages. */
  get headText(): string {
    return JSON.stringify(this.head.subarray(0, this.headLength).toString('latin1'));
  }
}
