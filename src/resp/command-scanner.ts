import { CommandNames, type CommandName } from './command-names.js';
import { DecodeError } from './decode-error.js';
import { counted } from '../counted.js';

/** How a frame was written on the wire. */
export type FrameKind = 'array' | 'inline' | 'newline' | 'empty';

/**
 * One complete command frame, with its exact place in the byte stream of its direction. The scanner
 * hands the same object to every call of `onFrame` (one allocation per frame less on the hot path):
 * read it during the call, keep only its fields.
 */
export interface CommandFrame {
  kind: FrameKind;
  /** Position of the frame's first byte, counted from the first byte of the direction. */
  start: number;
  /** Exact size of the frame in bytes, framing included. */
  size: number;
  /** Number of arguments the frame announced, the command name included. */
  argc: number;
  /** Argument 0, the command name; null for newlines and empty frames. */
  name: CommandName | null;
  /**
   * The arguments after the name, up to `maxArgs` in all, each cut to `maxArgBytes`. Arguments
   * that arrived whole inside one chunk are views into that chunk, not copies.
   */
  args: Uint8Array[];
  /** Pairs (index in `args`, full length) for each kept argument that was cut, else null. */
  cut: number[] | null;
  /**
   * The frame lies whole in the chunk being scanned and nothing of it was dropped (no argument cut,
   * none past `maxArgs`): its bytes alone reproduce this frame. Only such frames go into command runs.
   */
  whole: boolean;
  /** Where argument 1 starts in that chunk and its length, for whole frames (-1 when it has none). */
  arg1At: number;
  arg1Length: number;
}

/** Run mode: which names stop a batch, and where batches of whole frames go (see `CommandScanner.runs`). */
export interface RunFrames {
  /** Lowercased names of frames the caller must see one by one. */
  follow: ReadonlySet<string>;
  /** `count` whole frames between stream positions `start` and `end`, none named in `follow`. */
  plain(count: number, start: number, end: number): void;
  /**
   * For callers that keep what each frame is rather than its bytes (command batches): called for
   * every frame `plain` then reports, in order, with its name (null for a newline), size and
   * argument count. Frames that come to `onFrame` one by one then carry their arguments.
   */
  each?(name: CommandName | null, size: number, argc: number): void;
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
  private name: CommandName | null = null;
  private readonly names = new CommandNames();
  private args: Uint8Array[] = NO_ARGS;
  private cut: number[] | null = null;
  /** Prefix of the current argument when it spans chunks. */
  private partial: Uint8Array | null = null;
  private partialLength = 0;
  private inlineParts: Buffer[] = [];
  /** The chunk's ArrayBuffer and offset, read once per chunk: the `buffer` getter is costly. */
  private chunkBuffer: ArrayBufferLike = EMPTY.buffer;
  private chunkOffset = 0;
  private inlineLength = 0;
  private readonly frame: CommandFrame = { kind: 'array', start: 0, size: 0, argc: 0, name: null, args: NO_ARGS, cut: null, whole: false, arg1At: -1, arg1Length: 0 };
  /** Run mode (see `runs`); null otherwise. */
  private runFrames: RunFrames | null = null;
  /** The last name found to need no following: runs of frames of that name take `sameNameFramesEnd`. */
  private plainName: CommandName | null = null;
  /** Frames `skipPlain` passed over. */
  private skipped = 0;
  /** The longest argument a whole frame may have: a longer one is cut, or refused. */
  private readonly longestWhole: number;

  constructor(options: Partial<CommandScannerOptions> = {}) {
    this.opts = { ...DEFAULT_SCANNER_OPTIONS, ...options };
    if (this.opts.maxArgBytes < 64) this.opts.maxArgBytes = 64;
    this.longestWhole = Math.min(this.opts.maxArgBytes, this.opts.maxBulkLength);
  }

  /**
   * Run mode, for callers that keep frames' bytes instead of their arguments (command runs). Whole
   * frames (see `CommandFrame.whole`) whose lowercased names are not in `follow` are reported in
   * batches to `plain`, not one by one; every other frame comes to `onFrame` as usual, a whole one
   * without `args` (only its name and argument 1's place). `null` turns run mode off.
   */
  runs(mode: RunFrames | null): void {
    this.runFrames = mode;
    this.plainName = null;
  }

  /** Bytes scanned so far: the position of the next byte in the direction. */
  get position(): number {
    return this.pos;
  }

  /** Bytes of the frame in progress (0 between frames). */
  get partialFrameBytes(): number {
    return this.state === S_START ? 0 : this.pos - this.frameStart;
  }

  /** The name of the frame in progress once its argument 0 is read; null before that, between frames, and for an inline command until its line ends. */
  get partialFrameName(): CommandName | null {
    return this.state === S_START ? null : this.name;
  }

  /**
   * Copies the arguments of the frame in progress that are views of chunks fed, so that their
   * memory may be overwritten. (An argument that spans chunks, names and inline parts are copies.)
   */
  releaseInput(): void {
    if (this.state === S_START) return;
    const args = this.args;
    for (let k = 0; k < args.length; k++) if (args[k] !== this.partial) args[k] = args[k]!.slice();
  }

  /**
   * Scans `chunk[from, to)` and calls `onFrame` for every frame completed in it. Returns null, or
   * the first protocol error; the scanner must not be fed again after an error.
   */
  scan(chunk: Uint8Array, from: number, to: number, onFrame: (frame: CommandFrame) => void): DecodeError | null {
    let i = from;
    this.chunkBuffer = chunk.buffer;
    this.chunkOffset = chunk.byteOffset;
    while (i < to) {
      switch (this.state) {
        case S_START: {
          if (this.runFrames !== null) {
            const end = this.skipPlain(chunk, i, to, this.runFrames);
            if (end > i) {
              this.runFrames.plain(this.skipped, this.pos + (i - from), this.pos + (end - from));
              i = end;
              if (i === to) break;
            }
          }
          const b = chunk[i]!;
          this.frameStart = this.pos + (i - from);
          if (b === STAR) {
            const views = this.runFrames === null || this.runFrames.each !== undefined;
            let end = this.wholeFrame(chunk, i, to, views);
            // Without views, a frame that is not whole (a cut argument) is scanned again to keep its arguments.
            if (end > 0 && !views && !this.frame.whole) end = this.wholeFrame(chunk, i, to, true);
            if (end > 0) {
              i = end;
              this.emitArray(onFrame, this.pos + (i - from) - this.frameStart, true);
              break;
            }
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
          // Digits in a tight loop: header lines are most of the bytes the state machine walks.
          let b = chunk[i]!;
          while (b >= ZERO && b <= NINE) {
            this.num = this.num * 10 + (b - ZERO);
            if (++this.digits > MAX_DIGITS) return this.fail(from, i, 'number with more than 15 digits');
            if (++i === to) break;
            b = chunk[i]!;
          }
          if (i === to) break;
          if (b === MINUS && this.digits === 0 && !this.negative) {
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
          this.name = null;
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
          if (this.remaining === 0 && this.argIndex < this.opts.maxArgs) this.keep(EMPTY, 0, 0);
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
          if (chunk[i] !== CR) return this.fail(from, i, `expected CRLF after ${counted(this.bulkLength, 'byte')} of bulk data, got ${describeByte(chunk[i]!)}`);
          i++;
          if (i < to && chunk[i] === LF) {
            // Both bytes here: finish the argument without another trip through the switch.
            i++;
            if (++this.argIndex === this.argc) this.emitArray(onFrame, this.pos + (i - from) - this.frameStart);
            else if (i < to && chunk[i] === DOLLAR) {
              this.state = S_BULK_LENGTH;
              this.resetNumber();
              i++;
            } else this.state = S_BULK_DOLLAR;
          } else {
            this.state = S_BULK_LF;
          }
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

  /**
   * Run mode's fast path: passes over the whole frames at `chunk[at, to)` that need no following,
   * without a call per frame. Returns the index past the last one (`at` when the first is not one)
   * and sets `skipped`.
   */
  private skipPlain(chunk: Uint8Array, at: number, to: number, mode: RunFrames): number {
    let i = at;
    let count = 0;
    while (i < to) {
      if (this.plainName !== null) {
        i = sameNameFramesEnd(chunk, i, to, this.plainName, this.opts.maxArgs, this.longestWhole, mode.each);
        count += sameNameFrames;
        if (i === to) break;
      }
      const first = chunk[i]!;
      if (first === LF) {
        i++;
        count++;
        mode.each?.(null, 1, 0);
        continue;
      }
      if (first !== STAR) break;
      const end = this.wholeFrame(chunk, i, to, false);
      if (end < 0 || !this.frame.whole) break;
      const name = this.name!;
      if (mode.follow.has(name.lower)) break;
      this.plainName = name;
      mode.each?.(name, end - i, this.argc);
      i = end;
      count++;
    }
    this.skipped = count;
    return i;
  }

  /**
   * Fast path for the common case: a well-formed array frame lying whole in `chunk[at, to)`, parsed
   * with locals only. Returns the index past it with the frame's fields set, or -1 to let the state
   * machine take the frame (split across chunks, or malformed: it reports the precise error).
   */
  private wholeFrame(chunk: Uint8Array, at: number, to: number, views: boolean): number {
    const count = numberLine(chunk, at + 1, to);
    if (count <= 0 || count > MAX_MULTIBULK_COUNT) return -1;
    let p = numberLineEnd;
    const maxArgs = this.opts.maxArgs;
    const cap = this.opts.maxArgBytes;
    const maxBulk = this.opts.maxBulkLength;
    let name: CommandName | null = null;
    let args: Uint8Array[] | null = null;
    let cut: number[] | null = null;
    let whole = count <= maxArgs;
    let arg1At = -1;
    let arg1Length = 0;
    for (let k = 0; k < count; k++) {
      if (p >= to || chunk[p] !== DOLLAR) return -1;
      const length = numberLine(chunk, p + 1, to);
      if (length < 0 || length > maxBulk) return -1;
      p = numberLineEnd;
      const end = p + length;
      if (end + 1 >= to || chunk[end] !== CR || chunk[end + 1] !== LF) return -1;
      if (k < maxArgs) {
        const kept = length <= cap ? length : cap;
        if (k === 0) {
          name = this.names.of(chunk, p, kept);
        } else {
          if (k === 1) {
            arg1At = p;
            arg1Length = length;
          }
          if (views) (args ??= []).push(new Uint8Array(this.chunkBuffer, this.chunkOffset + p, kept));
          if (kept < length) {
            whole = false;
            if (views) (cut ??= []).push(k - 1, length);
          }
        }
      }
      p = end + 2;
    }
    this.argc = count;
    this.name = name;
    this.args = args ?? NO_ARGS;
    this.cut = cut;
    this.frame.whole = whole;
    this.frame.arg1At = arg1At;
    this.frame.arg1Length = arg1Length;
    return p;
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

  /** Keeps `chunk[from, from + length)` as the name (argument 0) or as an argument. */
  private keep(chunk: Uint8Array, from: number, length: number): void {
    if (this.argIndex === 0) this.name = this.names.of(chunk, from, length);
    // A plain Uint8Array view: several times cheaper to make than Buffer#subarray.
    else this.args.push(new Uint8Array(this.chunkBuffer, this.chunkOffset + from, length));
  }

  private capture(chunk: Uint8Array, i: number, take: number): void {
    const cap = this.opts.maxArgBytes;
    const whole = this.bulkLength;
    if (this.partial === null && take === whole && whole <= cap) {
      this.keep(chunk, i, take);
      return;
    }
    const keep = Math.min(whole, cap);
    if (this.partial === null) {
      this.partial = new Uint8Array(keep);
      if (this.argIndex > 0) this.args.push(this.partial);
      if (whole > cap && this.argIndex > 0) (this.cut ??= []).push(this.argIndex - 1, whole);
    }
    const room = keep - this.partialLength;
    if (room > 0) {
      const n = Math.min(room, take);
      this.partial.set(chunk.subarray(i, i + n), this.partialLength);
      this.partialLength += n;
    }
    if (this.argIndex === 0 && this.remaining === take) this.name = this.names.of(this.partial, 0, this.partialLength);
  }

  /**
   * The shared frame object, filled in for the frame that just ended. `fastPath`: `wholeFrame` read
   * it and already set `whole` and argument 1's place; other frames are not whole.
   */
  private fill(kind: FrameKind, size: number, argc: number, name: CommandName | null, args: Uint8Array[], cut: number[] | null, fastPath: boolean): CommandFrame {
    const frame = this.frame;
    frame.kind = kind;
    frame.start = this.frameStart;
    frame.size = size;
    frame.argc = argc;
    frame.name = name;
    frame.args = args;
    frame.cut = cut;
    if (!fastPath) {
      frame.whole = false;
      frame.arg1At = -1;
    }
    return frame;
  }

  private emitBare(onFrame: (frame: CommandFrame) => void, kind: FrameKind, size: number): void {
    this.state = S_START;
    // A newline is one byte, whole wherever it is; `*0` and `*-1` take the slow path and are rare.
    const frame = this.fill(kind, size, 0, null, NO_ARGS, null, false);
    if (kind === 'newline') frame.whole = true;
    onFrame(frame);
  }

  /** An array frame ended, read by `wholeFrame` (`fastPath`) or by the state machine. */
  private emitArray(onFrame: (frame: CommandFrame) => void, size: number, fastPath = false): void {
    const frame = this.fill('array', size, this.argc, this.name, this.args, this.cut, fastPath);
    this.name = null;
    this.args = NO_ARGS;
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
      onFrame(this.fill('newline', size, 0, null, NO_ARGS, null, false));
      return;
    }
    const cap = this.opts.maxArgBytes;
    const kept = words.slice(1, this.opts.maxArgs).map((w) => (w.length > cap ? w.subarray(0, cap) : w));
    let cut: number[] | null = null;
    kept.forEach((w, idx) => {
      const full = words[idx + 1]!.length;
      if (full > w.length) (cut ??= []).push(idx, full);
    });
    const first = words[0]!;
    const name = this.names.of(first, 0, Math.min(first.length, cap));
    onFrame(this.fill('inline', size, words.length, name, kept, cut, false));
  }
}

/**
 * The end of the run of frames at `chunk[at, to)` that are whole (see `CommandFrame.whole`) and
 * named `name` byte for byte, `at` when the first is not one; sets `sameNameFrames` and calls `each`
 * (if any) for each frame. The run mode's loop over a stream of one command: locals only, no name
 * lookup, no call per frame. Anything else (another name, a cut argument, a frame split or
 * malformed) ends the run, and `wholeFrame` or the state machine take it. It parses counts and
 * lengths itself rather than with `numberLine`: with a call per number, the loop measured no faster
 * than the one-frame check it replaced (side by side, by hand).
 */
function sameNameFramesEnd(chunk: Uint8Array, at: number, to: number, name: CommandName, maxArgs: number, longest: number, each: RunFrames['each']): number {
  const bytes = name.bytes;
  let i = at;
  let frames = 0;
  frames: while (i < to && chunk[i] === STAR) {
    let p = i + 1;
    let count = 0;
    let digits = 0;
    let b = 0;
    while (p < to && (b = chunk[p]!) >= ZERO && b <= NINE) {
      count = count * 10 + (b - ZERO);
      p++;
      digits++;
    }
    // No digit limit: a count or length too long to be exact is also above `maxArgs` or `longest`.
    if (digits === 0 || count === 0 || count > maxArgs || p + 1 >= to || b !== CR || chunk[p + 1] !== LF) break;
    p += 2;
    for (let k = 0; k < count; k++) {
      if (p >= to || chunk[p] !== DOLLAR) break frames;
      p++;
      let length = 0;
      digits = 0;
      while (p < to && (b = chunk[p]!) >= ZERO && b <= NINE) {
        length = length * 10 + (b - ZERO);
        p++;
        digits++;
      }
      if (digits === 0 || p + 1 >= to || b !== CR || chunk[p + 1] !== LF) break frames;
      p += 2;
      const end = p + length;
      if (end + 1 >= to || chunk[end] !== CR || chunk[end + 1] !== LF) break frames;
      if (k === 0) {
        if (length !== bytes.length) break frames;
        for (let j = 0; j < length; j++) if (chunk[p + j] !== bytes[j]) break frames;
      } else if (length > longest) break frames;
      p = end + 2;
    }
    each?.(name, p - i, count);
    i = p;
    frames++;
  }
  sameNameFrames = frames;
  return i;
}

/** How many frames the last `sameNameFramesEnd` passed over. */
let sameNameFrames = 0;

/** Where the last `numberLine` that found one ended: past its CRLF. */
let numberLineEnd = 0;

/**
 * The decimal number at `chunk[at, to)` ended by CRLF (a multibulk count or a bulk length, after
 * its `*` or `$`), setting `numberLineEnd`; -1 when there are no digits, more than MAX_DIGITS, or
 * no CRLF after them within `to`.
 */
function numberLine(chunk: Uint8Array, at: number, to: number): number {
  let p = at;
  let n = 0;
  let b = 0;
  while (p < to && (b = chunk[p]!) >= ZERO && b <= NINE && p - at < MAX_DIGITS) {
    n = n * 10 + (b - ZERO);
    p++;
  }
  if (p === at || p + 1 >= to || b !== CR || chunk[p + 1] !== LF) return -1;
  numberLineEnd = p + 2;
  return n;
}

const EMPTY = new Uint8Array(0);
/** Shared by frames without arguments; never mutated (the slow path starts each frame with a new array). */
const NO_ARGS: Uint8Array[] = [];

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
