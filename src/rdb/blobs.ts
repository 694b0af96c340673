import { BlobError } from './errors.js';
import { counted } from '../counted.js';

/** An element of a compact encoding: a string, or an integer as its decimal text (as Redis shows it). */
export type Element = Uint8Array;

function intText(value: number | bigint): Uint8Array {
  return Buffer.from(String(value), 'latin1');
}

function u16(b: Uint8Array, at: number): number {
  return b[at]! | (b[at + 1]! << 8);
}

function u32(b: Uint8Array, at: number): number {
  return (b[at]! | (b[at + 1]! << 8) | (b[at + 2]! << 16) | (b[at + 3]! << 24)) >>> 0;
}

function need(blob: Uint8Array, at: number, n: number, what: string): void {
  if (at + n > blob.length) throw new BlobError(at, `${what} passes the end of the blob (${counted(blob.length, 'byte')})`);
}

function view(b: Uint8Array, from: number, length: number): Uint8Array {
  return b.subarray(from, from + length);
}

/** ziplist (§7.12): zlbytes, zltail, zllen, entries (prevlen, encoding, data), 0xFF. */
export function decodeZiplist(blob: Uint8Array): Element[] {
  need(blob, 0, 11, 'ziplist header');
  const total = u32(blob, 0);
  if (total !== blob.length) throw new BlobError(0, `ziplist says ${total} bytes, the blob has ${blob.length}`);
  const count = u16(blob, 8);
  const out: Element[] = [];
  let at = 10;
  while (blob[at] !== 0xff) {
    need(blob, at, 1, 'ziplist entry');
    at += blob[at] === 0xfe ? 5 : 1; // prevlen
    need(blob, at, 1, 'ziplist entry encoding');
    const enc = blob[at]!;
    const top = enc >> 6;
    if (top === 0) {
      const len = enc & 0x3f;
      need(blob, at + 1, len, 'ziplist string');
      out.push(view(blob, at + 1, len));
      at += 1 + len;
    } else if (top === 1) {
      need(blob, at, 2, 'ziplist string length');
      const len = ((enc & 0x3f) << 8) | blob[at + 1]!;
      need(blob, at + 2, len, 'ziplist string');
      out.push(view(blob, at + 2, len));
      at += 2 + len;
    } else if (top === 2) {
      need(blob, at, 5, 'ziplist string length');
      const len = ((blob[at + 1]! << 24) | (blob[at + 2]! << 16) | (blob[at + 3]! << 8) | blob[at + 4]!) >>> 0;
      need(blob, at + 5, len, 'ziplist string');
      out.push(view(blob, at + 5, len));
      at += 5 + len;
    } else {
      const data = at + 1;
      const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
      switch (enc) {
        case 0xc0:
          need(blob, data, 2, 'ziplist int16');
          out.push(intText(dv.getInt16(data, true)));
          at = data + 2;
          break;
        case 0xd0:
          need(blob, data, 4, 'ziplist int32');
          out.push(intText(dv.getInt32(data, true)));
          at = data + 4;
          break;
        case 0xe0:
          need(blob, data, 8, 'ziplist int64');
          out.push(intText(dv.getBigInt64(data, true)));
          at = data + 8;
          break;
        case 0xf0: {
          need(blob, data, 3, 'ziplist int24');
          const v = (blob[data]! | (blob[data + 1]! << 8) | (blob[data + 2]! << 16)) << 8 >> 8;
          out.push(intText(v));
          at = data + 3;
          break;
        }
        case 0xfe:
          need(blob, data, 1, 'ziplist int8');
          out.push(intText(dv.getInt8(data)));
          at = data + 1;
          break;
        default:
          if (enc >= 0xf1 && enc <= 0xfd) {
            out.push(intText((enc & 0x0f) - 1));
            at = data;
          } else {
            throw new BlobError(at, `invalid ziplist entry encoding 0x${enc.toString(16)}`);
          }
      }
    }
    if (at >= blob.length) throw new BlobError(at, 'ziplist has no end byte (0xFF)');
  }
  if (at !== blob.length - 1) throw new BlobError(at, `ziplist end byte at ${at}, expected at ${blob.length - 1}`);
  if (count !== 0xffff && count !== out.length) throw new BlobError(8, `ziplist header counts ${count} entries, found ${out.length}`);
  return out;
}

/** listpack (§7.13): total bytes, element count, elements (encoding, data, backlen), 0xFF. */
export function decodeListpack(blob: Uint8Array): Element[] {
  need(blob, 0, 7, 'listpack header');
  const total = u32(blob, 0);
  if (total !== blob.length) throw new BlobError(0, `listpack says ${total} bytes, the blob has ${blob.length}`);
  const count = u16(blob, 4);
  const out: Element[] = [];
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  let at = 6;
  while (at < blob.length && blob[at] !== 0xff) {
    const b = blob[at]!;
    let size: number;
    if (b < 0x80) {
      out.push(intText(b));
      size = 1;
    } else if ((b & 0xc0) === 0x80) {
      const len = b & 0x3f;
      need(blob, at + 1, len, 'listpack string');
      out.push(view(blob, at + 1, len));
      size = 1 + len;
    } else if ((b & 0xe0) === 0xc0) {
      need(blob, at, 2, 'listpack int13');
      const raw = ((b & 0x1f) << 8) | blob[at + 1]!;
      out.push(intText(raw >= 4096 ? raw - 8192 : raw));
      size = 2;
    } else if ((b & 0xf0) === 0xe0) {
      need(blob, at, 2, 'listpack string length');
      const len = ((b & 0x0f) << 8) | blob[at + 1]!;
      need(blob, at + 2, len, 'listpack string');
      out.push(view(blob, at + 2, len));
      size = 2 + len;
    } else {
      switch (b) {
        case 0xf0: {
          need(blob, at, 5, 'listpack string length');
          const len = u32(blob, at + 1);
          need(blob, at + 5, len, 'listpack string');
          out.push(view(blob, at + 5, len));
          size = 5 + len;
          break;
        }
        case 0xf1:
          need(blob, at, 3, 'listpack int16');
          out.push(intText(dv.getInt16(at + 1, true)));
          size = 3;
          break;
        case 0xf2: {
          need(blob, at, 4, 'listpack int24');
          out.push(intText((blob[at + 1]! | (blob[at + 2]! << 8) | (blob[at + 3]! << 16)) << 8 >> 8));
          size = 4;
          break;
        }
        case 0xf3:
          need(blob, at, 5, 'listpack int32');
          out.push(intText(dv.getInt32(at + 1, true)));
          size = 5;
          break;
        case 0xf4:
          need(blob, at, 9, 'listpack int64');
          out.push(intText(dv.getBigInt64(at + 1, true)));
          size = 9;
          break;
        default:
          throw new BlobError(at, `invalid listpack element encoding 0x${b.toString(16)}`);
      }
    }
    // backlen: 1 to 5 bytes encoding `size`, skipped forwards.
    at += size + (size <= 127 ? 1 : size < 16383 ? 2 : size < 2097151 ? 3 : size < 268435455 ? 4 : 5);
  }
  if (at !== blob.length - 1) throw new BlobError(Math.min(at, blob.length), at >= blob.length ? 'listpack has no end byte (0xFF)' : `listpack end byte at ${at}, expected at ${blob.length - 1}`);
  if (count !== 0xffff && count !== out.length) throw new BlobError(4, `listpack header counts ${count} elements, found ${out.length}`);
  return out;
}

/** intset (§7.14): encoding (2, 4, 8), length, sorted integers, little-endian. */
export function decodeIntset(blob: Uint8Array): Element[] {
  need(blob, 0, 8, 'intset header');
  const width = u32(blob, 0);
  const length = u32(blob, 4);
  if (width !== 2 && width !== 4 && width !== 8) throw new BlobError(0, `invalid intset encoding ${width}`);
  if (blob.length !== 8 + width * length) throw new BlobError(4, `intset of ${length} × ${width} bytes needs ${8 + width * length} bytes, the blob has ${blob.length}`);
  const dv = new DataView(blob.buffer, blob.byteOffset, blob.byteLength);
  const out: Element[] = [];
  for (let k = 0; k < length; k++) {
    const at = 8 + k * width;
    out.push(intText(width === 2 ? dv.getInt16(at, true) : width === 4 ? dv.getInt32(at, true) : dv.getBigInt64(at, true)));
  }
  return out;
}

/** zipmap (§7.15, Redis 2.4): zmlen, then (len key, len free value, free bytes) pairs, 0xFF. */
export function decodeZipmap(blob: Uint8Array): Element[] {
  need(blob, 0, 1, 'zipmap header');
  const out: Element[] = [];
  let at = 1;
  const length = (): number => {
    need(blob, at, 1, 'zipmap length');
    const b = blob[at]!;
    if (b < 254) {
      at += 1;
      return b;
    }
    if (b === 254) {
      need(blob, at, 5, 'zipmap length');
      const len = u32(blob, at + 1);
      at += 5;
      return len;
    }
    throw new BlobError(at, 'zipmap length 0xFF where an entry was expected');
  };
  while (at < blob.length && blob[at] !== 0xff) {
    const keyLength = length();
    need(blob, at, keyLength, 'zipmap key');
    out.push(view(blob, at, keyLength));
    at += keyLength;
    const valueLength = length();
    need(blob, at, 1, 'zipmap free byte');
    const free = blob[at]!;
    at += 1;
    need(blob, at, valueLength + free, 'zipmap value');
    out.push(view(blob, at, valueLength));
    at += valueLength + free;
  }
  if (at !== blob.length - 1) throw new BlobError(Math.min(at, blob.length), at >= blob.length ? 'zipmap has no end byte (0xFF)' : `zipmap end byte at ${at}, expected at ${blob.length - 1}`);
  // The header counts the pairs, or says 254 ("count by scanning") when there are too many.
  if (blob[0] !== 254 && blob[0] !== out.length / 2) throw new BlobError(0, `zipmap header counts ${blob[0]} entries, found ${out.length / 2}`);
  return out;
}

/**
 * Header checks and element counts without decoding the elements: what `--summary` and the tap
 * need, and what Redis itself checks when it loads a file with sanitize-dump-payload off. A header
 * count of 65535 ("count by scanning") falls back to a full walk.
 */
export function countZiplist(blob: Uint8Array): number {
  need(blob, 0, 11, 'ziplist header');
  const total = u32(blob, 0);
  if (total !== blob.length) throw new BlobError(0, `ziplist says ${total} bytes, the blob has ${blob.length}`);
  if (u32(blob, 4) >= blob.length) throw new BlobError(4, `ziplist tail offset ${u32(blob, 4)} is past its end`);
  if (blob[blob.length - 1] !== 0xff) throw new BlobError(blob.length - 1, 'ziplist does not end with 0xFF');
  const count = u16(blob, 8);
  return count === 0xffff ? decodeZiplist(blob).length : count;
}

export function countListpack(blob: Uint8Array): number {
  need(blob, 0, 7, 'listpack header');
  const total = u32(blob, 0);
  if (total !== blob.length) throw new BlobError(0, `listpack says ${total} bytes, the blob has ${blob.length}`);
  if (blob[blob.length - 1] !== 0xff) throw new BlobError(blob.length - 1, 'listpack does not end with 0xFF');
  const count = u16(blob, 4);
  return count === 0xffff ? decodeListpack(blob).length : count;
}

export function countIntset(blob: Uint8Array): number {
  need(blob, 0, 8, 'intset header');
  const width = u32(blob, 0);
  const length = u32(blob, 4);
  if (width !== 2 && width !== 4 && width !== 8) throw new BlobError(0, `invalid intset encoding ${width}`);
  if (blob.length !== 8 + width * length) throw new BlobError(4, `intset of ${length} × ${width} bytes needs ${8 + width * length} bytes, the blob has ${blob.length}`);
  return length;
}

export function countZipmap(blob: Uint8Array): number {
  return decodeZipmap(blob).length / 2;
}
