import { DecodeError } from './decode-error.js';
import { MAX_INLINE_BYTES } from './command-scanner.js';

const LF = 10;
const CR = 13;

/**
 * Reads `\n`-terminated reply lines (the master's handshake replies and RDB headers), across chunk
 * boundaries, with a hard cap on line length. A trailing `\r` is stripped, as Redis's own line
 * reader does, so a bare `\n` keep-alive comes out as an empty line.
 */
export class LineReader {
  private parts: Uint8Array[] = [];
  private length = 0;

  /**
   * Looks for the end of a line in `chunk[from, to)`. Returns the index just past the `\n`, or -1
   * when the line is not complete yet (the bytes are kept). `at` is the stream position of `from`.
   */
  read(chunk: Uint8Array, from: number, to: number, at: number): number | DecodeError {
    let nl = chunk.indexOf(LF, from);
    if (nl >= to) nl = -1;
    const end = nl === -1 ? to : nl;
    if (this.length + (end - from) > MAX_INLINE_BYTES) {
      return new DecodeError(at, `reply line longer than ${MAX_INLINE_BYTES} bytes`);
    }
    if (end > from) {
      // A view is enough when the whole line is in this chunk; keep a copy only across chunks.
      this.parts.push(nl === -1 ? Buffer.from(chunk.subarray(from, end)) : chunk.subarray(from, end));
      this.length += end - from;
    }
    return nl === -1 ? -1 : nl + 1;
  }

  /** Takes the completed line (without `\r\n`) and resets the reader. */
  take(): Buffer {
    const parts = this.parts;
    this.parts = [];
    this.length = 0;
    let line = parts.length === 1 ? Buffer.from(parts[0]!.buffer, parts[0]!.byteOffset, parts[0]!.byteLength) : Buffer.concat(parts);
    if (line.length > 0 && line[line.length - 1] === CR) line = line.subarray(0, line.length - 1);
    return line;
  }

  /** Bytes of an incomplete line held so far. */
  get pending(): number {
    return this.length;
  }
}
