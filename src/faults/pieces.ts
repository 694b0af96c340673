/**
 * A stretch of bytes to forward: `data` stands for the input positions [from, to) of its direction
 * (a rewrite may make it longer or shorter), to be written at `at` unless a freeze holds it.
 */
export class Piece {
  constructor(
    public data: Buffer,
    readonly from: number,
    readonly to: number,
    public at: number,
    public heldBy: string | null,
  ) {}

  /** True when data maps byte for byte onto [from, to), so it can be cut at any position. */
  get splittable(): boolean {
    return this.data.length === this.to - this.from;
  }
}

/** What a plan's steps need of its direction's output: the time of the last write promised. */
export interface OutputClock {
  lastAt: number;
}

/**
 * The pieces of one chunk (and any held-back tail before it) in order. Every edit works on input
 * positions and splits pieces with `subarray`, so the chunk itself is never copied, except where a
 * byte is flipped or a tail is kept for the next chunk.
 */
export class PieceList {
  private pieces: Piece[] = [];

  push(piece: Piece): void {
    this.pieces.push(piece);
  }

  /** Input position of the first byte still in the list. */
  get first(): number {
    return this.pieces[0]?.from ?? Number.POSITIVE_INFINITY;
  }

  /** The pieces wholly inside [from, to), splitting those that straddle either end. */
  range(from: number, to: number): Piece[] {
    this.splitAt(from);
    this.splitAt(to);
    return this.pieces.filter((p) => p.from >= from && p.to <= to && p.to > p.from);
  }

  /** Splits the given pieces into pieces of at most `size` bytes; returns the new ones in order. */
  splitEvery(range: Piece[], size: number): Piece[] {
    const out: Piece[] = [];
    const replaced = new Map<Piece, Piece[]>();
    for (const piece of range) {
      if (!piece.splittable || piece.data.length <= size) {
        out.push(piece);
        continue;
      }
      const parts: Piece[] = [];
      for (let at = 0; at < piece.data.length; at += size) {
        const end = Math.min(at + size, piece.data.length);
        parts.push(new Piece(piece.data.subarray(at, end), piece.from + at, piece.from + end, piece.at, piece.heldBy));
      }
      replaced.set(piece, parts);
      out.push(...parts);
    }
    if (replaced.size > 0) this.pieces = this.pieces.flatMap((p) => replaced.get(p) ?? [p]);
    return out;
  }

  /** Removes the input bytes [from, to) (a dropped frame). */
  remove(from: number, to: number): void {
    const inside = new Set(this.range(from, to));
    this.pieces = this.pieces.filter((p) => !inside.has(p));
  }

  /** Puts `data` in place of the input bytes [from, to) (a rewritten frame). */
  replace(from: number, to: number, data: Buffer, at: number): void {
    const inside = this.range(from, to);
    const index = inside.length > 0 ? this.pieces.indexOf(inside[0]!) : this.pieces.findIndex((p) => p.from >= to);
    this.remove(from, to);
    this.pieces.splice(index === -1 ? this.pieces.length : index, 0, new Piece(data, from, to, at, null));
  }

  /** Drops everything from input position `at` on (a cut). */
  truncate(at: number): void {
    this.splitAt(at);
    this.pieces = this.pieces.filter((p) => p.to <= at);
  }

  /** Takes out the bytes from `at` on as one piece that owns a copy of them (held for the next chunk). */
  detachFrom(at: number): Piece | null {
    this.splitAt(at);
    const tail = this.pieces.filter((p) => p.from >= at);
    if (tail.length === 0) return null;
    this.pieces = this.pieces.filter((p) => p.from < at);
    return new Piece(Buffer.concat(tail.map((p) => p.data)), tail[0]!.from, tail[tail.length - 1]!.to, tail[0]!.at, tail[0]!.heldBy);
  }

  /** XORs the byte at input position `at` with `mask` (in a copy); returns its old value, or null. */
  flip(at: number, mask: number): number | null {
    this.splitAt(at);
    const piece = this.pieces.find((p) => p.from === at && p.splittable && p.to > at);
    if (!piece) return null;
    piece.data = Buffer.from(piece.data);
    const original = piece.data[0]!;
    piece.data[0] = original ^ mask;
    return original;
  }

  /** The writes, in order and never earlier than a write already promised on this direction. */
  steps(output: OutputClock): { kind: 'write'; data: Buffer; at: number; heldBy: string | null }[] {
    const steps = [];
    for (const piece of this.pieces) {
      if (piece.data.length === 0) continue;
      const at = Math.max(piece.at, output.lastAt);
      output.lastAt = at;
      steps.push({ kind: 'write' as const, data: piece.data, at, heldBy: piece.heldBy });
    }
    return steps;
  }

  private splitAt(at: number): void {
    const index = this.pieces.findIndex((p) => p.from < at && at < p.to);
    if (index === -1) return;
    const piece = this.pieces[index]!;
    if (!piece.splittable) return;
    const cut = at - piece.from;
    this.pieces.splice(
      index,
      1,
      new Piece(piece.data.subarray(0, cut), piece.from, at, piece.at, piece.heldBy),
      new Piece(piece.data.subarray(cut), at, piece.to, piece.at, piece.heldBy),
    );
  }
}
