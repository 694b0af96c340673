/**
 * CRC-64/Jones as Redis computes it (crc64.c): polynomial 0xad93d23594c935a9, reflected, initial
 * value 0, no final XOR. Table-driven, slicing by 8, on 32-bit halves (BigInt would be far slower).
 *
 * The whole implementation is one self-contained function (no imports, no outer names, no named
 * inner functions), so that its source text can also run in a worker thread started from a
 * string: see src/cli/file-checksum.ts.
 */
export function crc64Kernel(): (state: Uint32Array, bytes: Uint8Array, from: number, to: number) => void {
  const POLY_HI = 0x95ac9329;
  const POLY_LO = 0xac4bc9b5;
  const TABLES = 8;
  const littleEndian = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
  const hiT = new Uint32Array(256 * TABLES);
  const loT = new Uint32Array(256 * TABLES);
  for (let n = 0; n < 256; n++) {
    let hi = 0;
    let lo = n;
    for (let k = 0; k < 8; k++) {
      const carry = lo & 1;
      lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
      hi = hi >>> 1;
      if (carry) {
        hi = (hi ^ POLY_HI) >>> 0;
        lo = (lo ^ POLY_LO) >>> 0;
      }
    }
    hiT[n] = hi;
    loT[n] = lo;
  }
  for (let t = 1; t < TABLES; t++) {
    for (let n = 0; n < 256; n++) {
      const hi = hiT[(t - 1) * 256 + n]!;
      const lo = loT[(t - 1) * 256 + n]!;
      const idx = lo & 0xff;
      hiT[t * 256 + n] = (hi >>> 8) ^ hiT[idx]!;
      loT[t * 256 + n] = (((lo >>> 8) | (hi << 24)) ^ loT[idx]!) >>> 0;
    }
  }
  // state: [hi, lo] of the CRC so far.
  return (state, bytes, from, to) => {
    let hi = state[0]!;
    let lo = state[1]!;
    let i = from;
    // Bytes one at a time up to a 4-byte boundary, then 8 at a time read as two 32-bit words
    // through an aligned view (little-endian hosts), then the tail one at a time.
    while (i < to && ((bytes.byteOffset + i) & 3) !== 0) {
      const idx = (lo ^ bytes[i++]!) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ loT[idx]!) >>> 0;
      hi = (hi >>> 8) ^ hiT[idx]!;
    }
    const pairs = littleEndian ? (to - i) >>> 3 : 0;
    if (pairs > 0) {
      const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, pairs * 2);
      for (let w = 0; w < words.length; w += 2) {
        const l = (lo ^ words[w]!) >>> 0;
        const h = (hi ^ words[w + 1]!) >>> 0;
        hi = hiT[1792 + (l & 0xff)]! ^ hiT[1536 + ((l >>> 8) & 0xff)]! ^ hiT[1280 + ((l >>> 16) & 0xff)]! ^ hiT[1024 + (l >>> 24)]! ^ hiT[768 + (h & 0xff)]! ^ hiT[512 + ((h >>> 8) & 0xff)]! ^ hiT[256 + ((h >>> 16) & 0xff)]! ^ hiT[h >>> 24]!;
        lo = (loT[1792 + (l & 0xff)]! ^ loT[1536 + ((l >>> 8) & 0xff)]! ^ loT[1280 + ((l >>> 16) & 0xff)]! ^ loT[1024 + (l >>> 24)]! ^ loT[768 + (h & 0xff)]! ^ loT[512 + ((h >>> 8) & 0xff)]! ^ loT[256 + ((h >>> 16) & 0xff)]! ^ loT[h >>> 24]!) >>> 0;
      }
      i += pairs * 8;
    }
    for (; i < to; i++) {
      const idx = (lo ^ bytes[i]!) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ loT[idx]!) >>> 0;
      hi = (hi >>> 8) ^ hiT[idx]!;
    }
    state[0] = hi >>> 0;
    state[1] = lo;
  };
}

const update = crc64Kernel();

export class Crc64 {
  private readonly state = new Uint32Array(2);

  update(bytes: Uint8Array, from = 0, to = bytes.length): void {
    update(this.state, bytes, from, to);
  }

  /** The CRC as 16 hex digits. */
  hex(): string {
    return crc64Hex(this.state[0]!, this.state[1]!);
  }

  /** True when the 8 bytes at `at` (little-endian, as Redis stores it) equal this CRC. */
  matches(bytes: Uint8Array, at: number): boolean {
    const lo = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
    const hi = (bytes[at + 4]! | (bytes[at + 5]! << 8) | (bytes[at + 6]! << 16) | (bytes[at + 7]! << 24)) >>> 0;
    return lo === this.state[1] && hi === this.state[0];
  }
}

/** A CRC-64 given as its two 32-bit halves, as 16 hex digits. */
export function crc64Hex(hi: number, lo: number): string {
  return hi.toString(16).padStart(8, '0') + lo.toString(16).padStart(8, '0');
}

/** The 8 stored checksum bytes (little-endian) as 16 hex digits, most significant first. */
export function storedChecksumHex(bytes: Uint8Array, at: number): string {
  let out = '';
  for (let k = 7; k >= 0; k--) out += bytes[at + k]!.toString(16).padStart(2, '0');
  return out;
}
