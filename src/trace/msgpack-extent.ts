/**
 * Where the msgpack value starting at `pos` ends, without decoding it; -1 when the buffer ends
 * first or the bytes are not msgpack. Used to find the complete records in a cut-off block.
 */
export function msgpackValueEnd(buf: Uint8Array, pos: number): number {
  let pending = 1;
  const n = buf.length;
  const u8 = (at: number): number => buf[at]!;
  const u16 = (at: number): number => (buf[at]! << 8) | buf[at + 1]!;
  const u32 = (at: number): number => buf[at]! * 0x1000000 + ((buf[at + 1]! << 16) | (buf[at + 2]! << 8) | buf[at + 3]!);
  while (pending > 0) {
    if (pos >= n) return -1;
    const b = buf[pos]!;
    pending--;
    let size = 1;
    if (b <= 0x7f || b >= 0xe0 || b === 0xc0 || b === 0xc2 || b === 0xc3) size = 1;
    else if (b <= 0x8f) pending += 2 * (b & 0x0f);
    else if (b <= 0x9f) pending += b & 0x0f;
    else if (b <= 0xbf) size = 1 + (b & 0x1f);
    else {
      // Types with a length field need the field itself before their size is known.
      const need = { 0xc4: 1, 0xc5: 2, 0xc6: 4, 0xc7: 1, 0xc8: 2, 0xc9: 4, 0xd9: 1, 0xda: 2, 0xdb: 4, 0xdc: 2, 0xdd: 4, 0xde: 2, 0xdf: 4 }[b];
      if (need !== undefined && pos + 1 + need > n) return -1;
      switch (b) {
        case 0xc4: case 0xd9: size = 2 + u8(pos + 1); break;
        case 0xc5: case 0xda: size = 3 + u16(pos + 1); break;
        case 0xc6: case 0xdb: size = 5 + u32(pos + 1); break;
        case 0xc7: size = 3 + u8(pos + 1); break;
        case 0xc8: size = 4 + u16(pos + 1); break;
        case 0xc9: size = 6 + u32(pos + 1); break;
        case 0xca: size = 5; break;
        case 0xcb: size = 9; break;
        case 0xcc: case 0xd0: size = 2; break;
        case 0xcd: case 0xd1: size = 3; break;
        case 0xce: case 0xd2: size = 5; break;
        case 0xcf: case 0xd3: size = 9; break;
        case 0xd4: size = 3; break;
        case 0xd5: size = 4; break;
        case 0xd6: size = 6; break;
        case 0xd7: size = 10; break;
        case 0xd8: size = 18; break;
        case 0xdc: pending += u16(pos + 1); size = 3; break;
        case 0xdd: pending += u32(pos + 1); size = 5; break;
        case 0xde: pending += 2 * u16(pos + 1); size = 3; break;
        case 0xdf: pending += 2 * u32(pos + 1); size = 5; break;
        default: return -1; // 0xc1 is never used
      }
    }
    pos += size;
  }
  return pos <= n ? pos : -1;
}
