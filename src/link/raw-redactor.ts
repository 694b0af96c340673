/** What a password's bytes become in a recorded raw record: as many of these, so positions stay exact. */
export const MASK_BYTE = 0x2a; // '*'

/**
 * Bytes of a frame that may be an AUTH held back at most this long. Past it, the frame is masked
 * from its start as it is recorded: memory stays bounded whatever length the frame claims.
 */
export const HOLD_LIMIT = 64 * 1024;

/** A piece of the replica's bytes to record: `data` is what lies at positions `[pos, pos + data.length)`. */
export interface RawPiece {
  pos: number;
  data: Buffer;
}

/**
 * The replica's bytes as `--record full` stores them when secrets are not recorded: every byte,
 * except that AUTH passwords are replaced by as many `*`. A password is only found once its frame
 * is complete, so the bytes of a frame still arriving that may be an AUTH are held back (copied)
 * until it is, then recorded with the rest. Pure: fed what the decoder found in each chunk.
 */
export class RawRedactor {
  private held: Buffer | null = null;
  private heldFrom = 0;
  /** Start of a frame in progress held past HOLD_LIMIT and masked as it is recorded; -1 when none. */
  private maskingFrom = -1;

  /**
   * The bytes to record after the chunk at `start` was decoded, or null when all of it is held.
   * `secrets` are the password ranges the chunk completed; `secretFrom` the start of a frame in
   * progress that may be an AUTH (-1 when none).
   */
  take(chunk: Buffer, start: number, secrets: readonly number[], secretFrom: number): RawPiece | null {
    const end = start + chunk.length;
    const from = this.held === null ? start : this.heldFrom;
    // Only a chunk that completes a held frame or holds a password is copied; the rest are recorded as they are.
    let data = this.held === null ? chunk : Buffer.concat([this.held, chunk]);
    this.held = null;
    if (secretFrom !== this.maskingFrom) this.maskingFrom = -1;
    let upTo = end;
    if (secretFrom >= 0 && this.maskingFrom < 0 && end - secretFrom > HOLD_LIMIT) this.maskingFrom = secretFrom;
    else if (secretFrom >= 0 && this.maskingFrom < 0) upTo = Math.max(secretFrom, from);
    const masks = this.maskingFrom >= 0 ? [...secrets, Math.max(this.maskingFrom, from), end] : secrets;
    if (masks.length > 0 && data === chunk) data = Buffer.from(chunk);
    for (let k = 0; k < masks.length; k += 2) {
      const a = Math.max(masks[k]!, from);
      const b = Math.min(masks[k + 1]!, upTo);
      if (a < b) data.fill(MASK_BYTE, a - from, b - from);
    }
    if (upTo < end) {
      this.held = Buffer.from(data.subarray(upTo - from));
      this.heldFrom = upTo;
    }
    if (upTo === from) return null;
    return { pos: from, data: upTo - from === data.length ? data : data.subarray(0, upTo - from) };
  }

  /** The connection ended: a frame still held never completed and may hold a password, so it is recorded masked. */
  finish(): RawPiece | null {
    const held = this.held;
    this.held = null;
    return held === null ? null : { pos: this.heldFrom, data: held.fill(MASK_BYTE) };
  }
}
