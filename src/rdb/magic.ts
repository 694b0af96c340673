/** The first bytes of every RDB file: "REDIS" + 4 digits, or Valkey 9's "VALKEY" + 3 digits. */
export const RDB_MAGIC_BYTES = 9;

export interface RdbMagic {
  format: 'redis' | 'valkey';
  version: number;
}

function digitsAt(bytes: Uint8Array, from: number, to: number): number | null {
  let value = 0;
  for (let i = from; i < to; i++) {
    const d = bytes[i]! - 0x30;
    if (d < 0 || d > 9) return null;
    value = value * 10 + d;
  }
  return value;
}

function startsWith(bytes: Uint8Array, text: string): boolean {
  for (let i = 0; i < text.length; i++) if (bytes[i] !== text.charCodeAt(i)) return false;
  return true;
}

/** Reads the magic from the first 9 bytes of a payload, or returns null when it is not one. */
export function parseRdbMagic(bytes: Uint8Array): RdbMagic | null {
  if (bytes.length < RDB_MAGIC_BYTES) return null;
  if (startsWith(bytes, 'REDIS')) {
    const version = digitsAt(bytes, 5, 9);
    return version === null ? null : { format: 'redis', version };
  }
  if (startsWith(bytes, 'VALKEY')) {
    const version = digitsAt(bytes, 6, 9);
    return version === null ? null : { format: 'valkey', version };
  }
  return null;
}
