import { DecodeError } from './decode-error.js';

/** How a frame was written on the wire. */
export type FrameKind = 'array' | 'inline' | 'newline' | 'empty';

/** One complete command frame, with its exact place in the byte stream of its direction. */
export interface CommandFrame {
  kind: FrameKind;
  /** Position of the frame's first byte, counted from the first byte of the direction. */
  start: number;
  /** Exact size of the frame in bytes, framing included. */
  size: number;
  /** Number of arguments the frame announced, the command name included. */
  argc: number;
  /**
   * The first `maxArgs` arguments, each cut to `maxArgBytes`. Arguments that arrived whole inside
   * one chunk are views into that chunk, not copies.
   */
  args: Uint8Array[];
  /** Pairs (argument index, full length) for each captured argument that was cut, else null. */
  cut: number[] | null;
}

export interface CommandScannerOptions {
  /** How many leading arguments to keep (the command name is argument 0). */
  maxArgs: number;
  /** How many bytes of each kept argument to keep. */
  maxArgBytes: number;
  /** Largest bulk length accepted (Redis: proto-max-bulk-len, 512 MiB by default). */
  maxBulkLength: number;
}

export const DEFAULT_SCANNER_OPTIONS: CommandScannerOptions = {
  maxArgs: 64,
  maxArgBytes: 256,
  maxBulkLength: 512 * 1024 * 1024,
};

/** Redis refuses inline requests and header lines longer than this (PROTO_INLINE_MAX_SIZE). */
export const MAX_INLINE_BYTES = 64 * 1024;
/** Redis refuses multibulk counts above INT_MAX. */
const MAX_MULTIBULK_COUNT = 0x7fffffff;
/** More digits than this cannot be a valid count or length and could lose precision. */
const MAX_DIGITS = 15;

const CR = 13;
const LF = 10;
const STAR = 42;
const DOLLAR = 36;
const MINUS = 45;
const ZERO = 48;
const NINE = 57;
const SPACE = 32;
const TAB = 9;

// Scanner states. Numbers rather than an enum so that the hot loop compares small integers.
const S_START = 0;
const S_COUNT = 1;
const S_COUNT_LF = 2;
const S_BULK_DOLLAR = 3;
const S_BULK_LENGTH = 4;
const S_BULK_LENGTH_LF = 5;
const S_BULK_DATA = 6;
const S_BULK_CR = 7;
const S_BULK_LF = 8;
const S_INLINE = 9;

/**
 * Incremental scanner for the command side of RESP: multibulk arrays of bulk strings, inline
 * commands and bare newlines. Fed chunks of any size, it reports each complete frame with its exact
 * byte size. It keeps no payload beyond the capped argument prefixes, so memory does not depend on
 * what lengths the input claims.
 */
export class CommandScanner {
  private readonly opts: CommandScannerOptions;
  private state = S_START;
  /** Bytes consumed so far, i.e. the position of the next byte. */
  private pos = 0;
  private frameStart = 0;
  private num = 0;
  private digits = 0;
  private negative = false;
  private argc = 0;
  private argIndex = 0;
  private remaining = 0;
  private bulkLength = 0;
  private args: Uint8Array[] = [];
  private cut: number[] | null = null;
  /** Prefix of the current argument when it spans chunks. */
  private partial: Buffer | null = null;
  private partialLength = 0;
  private inlineParts: Buffer[] = [];
  private inlineLength = 0;

  constructor(options: Partial<CommandScannerOptions> = {}) {
    this.opts = { ...DEFAULT_SCANNER_OPTIONS, ...options };
    if (this.opts.maxArgBytes < 64) this.opts.maxArgBytes = 64;
  }

  /** Bytes consumed so far. */
  get position(): number {
    return this.pos;
  }

  /** True when the scanner is between frames. */
  get atBoundary(): boolean {
    return this.state === S_START;
  }

  /** Bytes of the frame in progress (0 between frames). */
  get partialFrameBytes(): number {
    return this.state === S_START ? 0 : this.pos - this.frameStart;
  }

  /** Moves the position forward for bytes consumed by someone else (e.g. an RDB payload). */
  skip(bytes: number): void {
    this.pos += bytes;
  }

  /**
   * Scans `chunk[from, to)` and calls `onFrame` for every frame completed in it. Returns null, or
   * the first protocol error; the scanner must not be fed again after an error.
   */
  scan(chunk: Uint8Array, from: number, to: number, onFrame: (frame: CommandFrame) => void): DecodeError | null {
    let i = from;
    while (i < to) {
      switch (this.state) {
        case S_START: {
          const b = chunk[i]!;
          this.frameStart = this.pos + (i - from);
          if (b === STAR) {
            this.state = S_COUNT;
            this.resetNumber();
            i++;
          } else if (b === LF) {
            i++;
            this.emitBare(onFrame, 'newline', 1);
          } else {
            this.state = S_INLINE;
            this.inlineParts = [];
            this.inlineLength = 0;
          }
          break;
        }
        case S_COUNT:
        case S_BULK_LENGTH: {
          const b = chunk[i]!;
          if (b >= ZERO && b <= NINE) {
            this.num = this.num * 10 + (b - ZERO);
            if (++this.digits > MAX_DIGITS) return this.fail(from, i, 'number with more than 15 digits');
          } else if (b === MINUS && this.digits === 0 && !this.negative) {
            this.negative = true;
          } else if (b === CR && this.digits > 0) {
            this.state = this.state === S_COUNT ? S_COUNT_LF : S_BULK_LENGTH_LF;
          } else {
            const what = this.state === S_COUNT ? 'multibulk count' : 'bulk length';
            return this.fail(from, i, `unexpected byte ${describeByte(b)} in ${what}`);
          }
          i++;
          break;
        }
        case S_COUNT_LF: {
          if (chunk[i] !== LF) return this.fail(from, i, `expected LF after multibulk count, got ${describeByte(chunk[i]!)}`);
          i++;
          const count = this.negative ? -this.num : this.num;
          if (count > MAX_MULTIBULK_COUNT) return this.fail(from, i - 1, `multibulk count ${count} is out of range`);
          if (count <= 0) {
            // Redis consumes `*0` and `*-1` silently: they still occupy bytes of the stream.
            this.emitBare(onFrame, 'empty', this.pos + (i - from) - this.frameStart);
            break;
          }
          this.argc = count;
          this.argIndex = 0;
          this.args = [];
          this.cut = null;
          this.state = S_BULK_DOLLAR;
          break;
        }
        case S_BULK_DOLLAR: {
          const b = chunk[i]!;
          if (b !== DOLLAR) return this.fail(from, i, `expected '$' for argument ${this.argIndex + 1} of ${this.argc}, got ${describeByte(b)}`);
          this.state = S_BULK_LENGTH;
          this.resetNumber();
          i++;
          break;
        }
        case S_BULK_LENGTH_LF: {
          if (chunk[i] !== LF) return this.fail(from, i, `expected LF after bulk length, got ${describeByte(chunk[i]!)}`);
          if (this.negative) return this.fail(from, i, `invalid bulk length -${this.num}`);
          if (this.num > this.opts.maxBulkLength) {
            return this.fail(from, i, `bulk length ${this.num} exceeds the limit of ${this.opts.maxBulkLength} bytes`);
          }
          i++;
          this.bulkLength = this.num;
          this.remaining = this.num;
          this.partial = null;
          this.partialLength = 0;
          this.state = this.remaining === 0 ? S_BULK_CR : S_BULK_DATA;
          if (this.remaining === 0 && this.argIndex < this.opts.maxArgs) this.args.push(EMPTY);
          break;
        }
        case S_BULK_DATA: {
          const take = Math.min(this.remaining, to - i);
          if (this.argIndex < this.opts.maxArgs) this.capture(chunk, i, take);
          this.remaining -= take;
          i += take;
          if (this.remaining === 0) this.state = S_BULK_CR;
          break;
        }
        case S_BULK_CR: {
          if (chunk[i] !== CR) return this.fail(from, i, `expected CRLF after ${this.bulkLength} bytes of bulk data, got ${describeByte(chunk[i]!)}`);
          this.state = S_BULK_LF;
          i++;
          break;
        }
        case S_BULK_LF: {
          if (chunk[i] !== LF) return this.fail(from, i, `expected LF after bulk data, got ${describeByte(chunk[i]!)}`);
          i++;
          if (++this.argIndex === this.argc) {
            this.emitArray(onFrame, this.pos + (i - from) - this.frameStart);
          } else {
            this.state = S_BULK_DOLLAR;
          }
          break;
        }
        case S_INLINE: {
          const nl = indexOfByte(chunk, LF, i, to);
          const end = nl === -1 ? to : nl;
          if (this.inlineLength + (end - i) > MAX_INLINE_BYTES) {
            return this.fail(from, i, `inline command longer than ${MAX_INLINE_BYTES} bytes`);
          }
          this.inlineParts.push(Buffer.from(chunk.subarray(i, end)));
          this.inlineLength += end - i;
          i = end;
          if (nl !== -1) {
            i++;
            this.emitInline(onFrame, this.pos + (i - from) - this.frameStart);
          }
          break;
        }
      }
    }
    this.pos += to - from;
    return null;
  }

  private resetNumber(): void {
    this.num = 0;
    this.digits = 0;
    this.negative = false;
  }

  private fail(from: number, i: number, message: string): DecodeError {
    const at = this.pos + (i - from);
    this.pos = at;
    return new DecodeError(at, message);
  }

  private capture(chunk: Uint8Array, i: number, take: number): void {
    const cap = this.opts.maxArgBytes;
    const whole = this.bulkLength;
    if (this.partial === null && take === whole && whole <= cap) {
      this.args.push(chunk.subarray(i, i + take));
      return;
    }
    const keep = Math.min(whole, cap);
    if (this.partial === null) {
      this.partial = Buffer.allocUnsafe(keep);
      this.args.push(this.partial);
      if (whole > cap) (this.cut ??= []).push(this.argIndex, whole);
    }
    const room = keep - this.partialLength;
    if (room > 0) {
      const n = Math.min(room, take);
      this.partial.set(chunk.subarray(i, i + n), this.partialLength);
      this.partialLength += n;
    }
  }

  private emitBare(onFrame: (frame: CommandFrame) => void, kind: FrameKind, size: number): void {
    onFrame({ kind, start: this.frameStart, size, argc: 0, args: [], cut: null });
    this.state = S_START;
  }

  private emitArray(onFrame: (frame: CommandFrame) => void, size: number): void {
    const frame: CommandFrame = { kind: 'array', start: this.frameStart, size, argc: this.argc, args: this.args, cut: this.cut };
    this.args = [];
    this.cut = null;
    this.partial = null;
    this.state = S_START;
    onFrame(frame);
  }

  private emitInline(onFrame: (frame: CommandFrame) => void, size: number): void {
    const line = this.inlineParts.length === 1 ? this.inlineParts[0]! : Buffer.concat(this.inlineParts);
    this.inlineParts = [];
    this.state = S_START;
    const words = splitInline(line);
    if (words.length === 0) {
      onFrame({ kind: 'newline', start: this.frameStart, size, argc: 0, args: [], cut: null });
      return;
    }
    const args = words.slice(0, this.opts.maxArgs).map((w) => (w.length > this.opts.maxArgBytes ? w.subarray(0, this.opts.maxArgBytes) : w));
    let cut: number[] | null = null;
    args.forEach((w, idx) => {
      const full = words[idx]!.length;
      if (full > w.length) (cut ??= []).push(idx, full);
    });
    onFrame({ kind: 'inline', start: this.frameStart, size, argc: words.length, args, cut });
  }
}

const EMPTY = new Uint8Array(0);

function indexOfByte(chunk: Uint8Array, byte: number, from: number, to: number): number {
  const at = chunk.indexOf(byte, from);
  return at === -1 || at >= to ? -1 : at;
}

/** Splits an inline command on blanks, dropping the trailing CR (Redis does the same for replies). */
function splitInline(line: Buffer): Buffer[] {
  let end = line.length;
  if (end > 0 && line[end - 1] === CR) end--;
  const words: Buffer[] = [];
  let i = 0;
  while (i < end) {
    while (i < end && (line[i] === SPACE || line[i] === TAB)) i++;
    const s = i;
    while (i < end && line[i] !== SPACE && line[i] !== TAB) i++;
    if (i > s) words.push(line.subarray(s, i));
  }
  return words;
}

export function describeByte(b: number): string {
  const hex = `0x${b.toString(16).padStart(2, '0')}`;
  return b >= 0x20 && b < 0x7f ? `'${String.fromCharCode(b)}' (${hex})` : hex;
}
