/** Size of the random mark around a diskless (`$EOF:`) RDB payload. */
export const EOF_MARK_BYTES = 40;

/**
 * Finds the end of a diskless RDB payload: the first occurrence of its 40-byte mark, which may
 * straddle chunks. Holds back at most 39 bytes that could still be the start of the mark, as a
 * disk-loading replica does with its rolling window.
 */
export class EofMarkFinder {
  private readonly tail = Buffer.allocUnsafe(EOF_MARK_BYTES - 1);
  private tailLength = 0;

  constructor(private readonly mark: Buffer) {}

  /**
   * Scans `chunk[from, to)`. Payload bytes that can no longer be part of the mark are handed to
   * `onPayload`. Returns the index just past the mark in `chunk`, or -1 when it is not complete.
   */
  find(chunk: Buffer, from: number, to: number, onPayload: (bytes: Buffer, start: number, end: number) => void): number {
    if (this.tailLength > 0) {
      const extra = Math.min(EOF_MARK_BYTES - 1, to - from);
      const window = Buffer.concat([this.tail.subarray(0, this.tailLength), chunk.subarray(from, from + extra)]);
      const at = window.indexOf(this.mark);
      if (at !== -1 && at < this.tailLength) {
        onPayload(window, 0, at);
        this.tailLength = 0;
        return from + at + EOF_MARK_BYTES - (window.length - extra);
      }
      if (extra < EOF_MARK_BYTES - 1) {
        // The chunk is too short to rule out a mark that starts in the window: keep its end.
        const keep = Math.min(EOF_MARK_BYTES - 1, window.length);
        onPayload(window, 0, window.length - keep);
        window.copy(this.tail, 0, window.length - keep);
        this.tailLength = keep;
        return -1;
      }
      onPayload(window, 0, this.tailLength);
      this.tailLength = 0;
    }
    const at = chunk.subarray(from, to).indexOf(this.mark);
    if (at !== -1) {
      onPayload(chunk, from, from + at);
      return from + at + EOF_MARK_BYTES;
    }
    const keep = Math.min(EOF_MARK_BYTES - 1, to - from);
    onPayload(chunk, from, to - keep);
    chunk.copy(this.tail, 0, to - keep, to);
    this.tailLength = keep;
    return -1;
  }

  /** Bytes held back because they might begin the mark. */
  get heldBack(): number {
    return this.tailLength;
  }
}
