import { latin1 } from './ascii.js';

const CAPACITY = 32;

/** A command name as written and lowercased. */
export interface CommandName {
  spelling: string;
  lower: string;
  /** The bytes as written (the first `maxArgBytes` of a longer name). */
  bytes: Uint8Array;
}

/**
 * Command names remembered by their exact bytes. A stream repeats a handful of names endlessly,
 * and comparing a few bytes in place is far cheaper than decoding them into a new string.
 */
export class CommandNames {
  private readonly bytes: Uint8Array[] = [];
  private readonly names: CommandName[] = [];
  private last = 0;
  private next = 0;

  /** The name held in `chunk[from, from + length)`. */
  of(chunk: Uint8Array, from: number, length: number): CommandName {
    if (this.matches(this.last, chunk, from, length)) return this.names[this.last]!;
    for (let k = 0; k < this.bytes.length; k++) {
      if (this.matches(k, chunk, from, length)) {
        this.last = k;
        return this.names[k]!;
      }
    }
    const raw = chunk.subarray(from, from + length);
    const spelling = latin1(raw);
    const bytes = Uint8Array.from(raw);
    const name = { spelling, lower: spelling.toLowerCase(), bytes };
    const slot = this.bytes.length < CAPACITY ? this.bytes.length : this.next++ % CAPACITY;
    this.bytes[slot] = bytes;
    this.names[slot] = name;
    this.last = slot;
    return name;
  }

  private matches(k: number, chunk: Uint8Array, from: number, length: number): boolean {
    const known = this.bytes[k];
    if (known === undefined || known.length !== length) return false;
    for (let i = 0; i < length; i++) if (known[i] !== chunk[from + i]) return false;
    return true;
  }
}
