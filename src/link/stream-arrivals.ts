/** Checkpoints kept; when they run out, they are merged to a coarser grain (see `compact`). */
const MAX_CHECKPOINTS = 1024;

/**
 * When the stretches of a link's replication stream arrived from the master, kept until the replica
 * confirms them with an ACK: answers "since when is this replica behind". Offsets and times are
 * passed in; memory is bounded whatever the replica does. Arrivals within `grainMs` of a
 * checkpoint share it: it keeps the earliest time and the latest offset, so a time it gives is
 * never later than the truth, and less than a grain earlier.
 */
export class StreamArrivals {
  /**
   * Checkpoint k: the stream past `offsets[k - 1]` began to arrive at `times[k]`, and had arrived
   * up to `offsets[k]` within a grain of it. Oldest first, from `head`.
   */
  private readonly offsets = new Float64Array(MAX_CHECKPOINTS);
  private readonly times = new Float64Array(MAX_CHECKPOINTS);
  private head = 0;
  private count = 0;
  private grainMs = 1;

  /** How much earlier than the truth a time it gives may be, in ms: 1 until it had to merge checkpoints. */
  get grain(): number {
    return this.grainMs;
  }

  /** The stream up to `offset` has arrived, at `t`. */
  note(offset: number, t: number): void {
    const last = this.head + this.count - 1;
    if (this.count > 0) {
      if (offset <= this.offsets[last]!) return;
      if (t - this.times[last]! < this.grainMs) {
        this.offsets[last] = offset;
        return;
      }
    }
    if (this.head + this.count === MAX_CHECKPOINTS) this.compact();
    const at = this.head + this.count++;
    this.offsets[at] = offset;
    this.times[at] = t;
  }

  /** The replica confirmed the stream up to `offset` (its `REPLCONF ACK`). */
  confirm(offset: number): void {
    while (this.count > 0 && this.offsets[this.head]! <= offset) {
      this.head++;
      this.count--;
    }
    if (this.count === 0) {
      this.head = 0;
      this.grainMs = 1;
    }
  }

  /** When the oldest bytes after `offset` (the replica's last ACK) arrived, or null when everything that arrived is confirmed. */
  unconfirmedSince(offset: number): number | null {
    for (let k = this.head; k < this.head + this.count; k++) if (this.offsets[k]! > offset) return this.times[k]!;
    return null;
  }

  /**
   * Makes room: moves the checkpoints to the start when confirmations freed some, else doubles the
   * grain and merges each checkpoint into the one before when they began less than the old grain
   * apart (so what they hold arrived within the new one), until one is free.
   */
  private compact(): void {
    if (this.head > 0) {
      this.offsets.copyWithin(0, this.head, this.head + this.count);
      this.times.copyWithin(0, this.head, this.head + this.count);
      this.head = 0;
      return;
    }
    while (this.count === MAX_CHECKPOINTS) {
      const apart = this.grainMs;
      this.grainMs *= 2;
      let kept = 0;
      for (let k = 1; k < this.count; k++) {
        if (this.times[k]! - this.times[kept]! < apart) this.offsets[kept] = this.offsets[k]!;
        else {
          kept++;
          this.offsets[kept] = this.offsets[k]!;
          this.times[kept] = this.times[k]!;
        }
      }
      this.count = kept + 1;
    }
  }
}
