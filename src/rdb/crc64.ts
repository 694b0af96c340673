/**
 * CRC-64/Jones as Redis computes it (crc64.c): polynomial 0xad93d23594c935a9, reflected, initial
 * value 0, no final XOR. Table-driven, slicing by 8, on 32-bit halves (BigInt would be far slower).
 */
const POLY_REFLECTED_HI = 0x95ac9329;
const POLY_REFLECTED_LO = 0xac4bc9b5;

const TABLES = 8;
const LITTLE_ENDIAN = new Uint8Array(new Uint32Array([1]).buffer)[0] === 1;
const hiTables = new Uint32Array(256 * TABLES);
const loTables = new Uint32Array(256 * TABLES);

for (let n = 0; n < 256; n++) {
  let hi = 0;
  let lo = n;
  for (let k = 0; k < 8; k++) {
    const carry = lo & 1;
    lo = ((lo >>> 1) | ((hi & 1) << 31)) >>> 0;
    hi = hi >>> 1;
    if (carry) {
      hi = (hi ^ POLY_REFLECTED_HI) >>> 0;
      lo = (lo ^ POLY_REFLECTED_LO) >>> 0;
    }
  }
  hiTables[n] = hi;
  loTables[n] = lo;
}
for (let t = 1; t < TABLES; t++) {
  for (let n = 0; n < 256; n++) {
    const hi = hiTables[(t - 1) * 256 + n]!;
    const lo = loTables[(t - 1) * 256 + n]!;
    const idx = lo & 0xff;
    hiTables[t * 256 + n] = (hi >>> 8) ^ hiTables[idx]!;
    loTables[t * 256 + n] = (((lo >>> 8) | (hi << 24)) ^ loTables[idx]!) >>> 0;
  }
}

export class Crc64 {
  private hi = 0;
  private lo = 0;

  update(bytes: Uint8Array, from = 0, to = bytes.length): void {
    let hi = this.hi;
    let lo = this.lo;
    let i = from;
    // Bytes one at a time up to a 4-byte boundary, then 8 at a time read as two 32-bit words
    // through an aligned view (little-endian hosts), then the tail one at a time.
    while (i < to && ((bytes.byteOffset + i) & 3) !== 0) {
      const idx = (lo ^ bytes[i++]!) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ loTables[idx]!) >>> 0;
      hi = (hi >>> 8) ^ hiTables[idx]!;
    }
    const pairs = LITTLE_ENDIAN ? (to - i) >>> 3 : 0;
    if (pairs > 0) {
      const words = new Uint32Array(bytes.buffer, bytes.byteOffset + i, pairs * 2);
      for (let w = 0; w < words.length; w += 2) {
        const l = (lo ^ words[w]!) >>> 0;
        const h = (hi ^ words[w + 1]!) >>> 0;
        hi =
          hiTables[1792 + (l & 0xff)]! ^ hiTables[1536 + ((l >>> 8) & 0xff)]! ^ hiTables[1280 + ((l >>> 16) & 0xff)]! ^ hiTables[1024 + (l >>> 24)]! ^
          hiTables[768 + (h & 0xff)]! ^ hiTables[512 + ((h >>> 8) & 0xff)]! ^ hiTables[256 + ((h >>> 16) & 0xff)]! ^ hiTables[h >>> 24]!;
        lo =
          (loTables[1792 + (l & 0xff)]! ^ loTables[1536 + ((l >>> 8) & 0xff)]! ^ loTables[1280 + ((l >>> 16) & 0xff)]! ^ loTables[1024 + (l >>> 24)]! ^
            loTables[768 + (h & 0xff)]! ^ loTables[512 + ((h >>> 8) & 0xff)]! ^ loTables[256 + ((h >>> 16) & 0xff)]! ^ loTables[h >>> 24]!) >>> 0;
      }
      i += pairs * 8;
    }
    for (; i < to; i++) {
      const idx = (lo ^ bytes[i]!) & 0xff;
      lo = (((lo >>> 8) | (hi << 24)) ^ loTables[idx]!) >>> 0;
      hi = (hi >>> 8) ^ hiTables[idx]!;
    }
    this.hi = hi >>> 0;
    this.lo = lo;
  }

  /** The CRC as 16 hex digits. */
  hex(): string {
    return this.hi.toString(16).padStart(8, '0') + this.lo.toString(16).padStart(8, '0');
  }

  /** True when the 8 bytes at `at` (little-endian, as Redis stores it) equal this CRC. */
  matches(bytes: Uint8Array, at: number): boolean {
    const lo = (bytes[at]! | (bytes[at + 1]! << 8) | (bytes[at + 2]! << 16) | (bytes[at + 3]! << 24)) >>> 0;
    const hi = (bytes[at + 4]! | (bytes[at + 5]! << 8) | (bytes[at + 6]! << 16) | (bytes[at + 7]! << 24)) >>> 0;
    return lo === this.lo && hi === this.hi;
  }
}

/** The 8 stored checksum bytes (little-endian) as 16 hex digits, most significant first. */
export function storedChecksumHex(bytes: Uint8Array, at: number): string {
  let out = '';
  for (let k = 7; k >= 0; k--) out += bytes[at + k]!.toString(16).padStart(2, '0');
  return out;
}
