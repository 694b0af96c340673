import { BlobError } from './errors.js';

/**
 * LZF decompression (lzf_d.c): control byte < 32 is a literal run of c+1 bytes, otherwise a
 * back-reference of length (c >> 5) + 2 (7 means: add the next byte) at distance
 * ((c & 31) << 8) + next + 1. The output must be exactly `length` bytes.
 */
export function lzfDecompress(input: Uint8Array, length: number): Uint8Array {
  // The best LZF can do is a 3-byte back-reference for 264 bytes: a claimed length beyond that
  // ratio is corrupt, and must not size an allocation.
  if (length > input.length * 88 + 32) throw new BlobError(0, `LZF length ${length} is more than ${input.length} compressed bytes can expand to`);
  const out = new Uint8Array(length);
  let ip = 0;
  let op = 0;
  const inEnd = input.length;
  while (ip < inEnd) {
    const ctrl = input[ip++]!;
    if (ctrl < 32) {
      const run = ctrl + 1;
      if (ip + run > inEnd) throw new BlobError(ip, `LZF literal run of ${run} bytes passes the end of the compressed data`);
      if (op + run > length) throw new BlobError(ip, `LZF output longer than the announced ${length} bytes`);
      out.set(input.subarray(ip, ip + run), op);
      ip += run;
      op += run;
    } else {
      let len = ctrl >> 5;
      if (len === 7) {
        if (ip >= inEnd) throw new BlobError(ip, 'LZF back-reference cut off');
        len += input[ip++]!;
      }
      if (ip >= inEnd) throw new BlobError(ip, 'LZF back-reference cut off');
      const ref = op - ((ctrl & 0x1f) << 8) - input[ip++]! - 1;
      len += 2;
      if (ref < 0) throw new BlobError(ip, 'LZF back-reference before the start of the output');
      if (op + len > length) throw new BlobError(ip, `LZF output longer than the announced ${length} bytes`);
      for (let k = 0; k < len; k++) out[op + k] = out[ref + k]!;
      op += len;
    }
  }
  if (op !== length) throw new BlobError(ip, `LZF output is ${op} bytes, ${length} announced`);
  return out;
}
