/** Views bytes as a Buffer without copying them. */
export function asBuffer(bytes: Uint8Array): Buffer {
  return Buffer.isBuffer(bytes) ? bytes : Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength);
}

/** Latin-1 text of bytes: one character per byte, so it never fails and never merges bytes. */
export function latin1(bytes: Uint8Array): string {
  return asBuffer(bytes).toString('latin1');
}

/**
 * Parses a canonical signed decimal integer as Redis writes them; returns null for anything else
 * (empty, a sign alone, other characters, or beyond the safe integer range).
 */
export function parseInteger(bytes: Uint8Array): number | null {
  const n = bytes.length;
  if (n === 0 || n > 17) return null;
  let i = 0;
  let negative = false;
  if (bytes[0] === 0x2d) {
    negative = true;
    i = 1;
    if (n === 1) return null;
  }
  let value = 0;
  for (; i < n; i++) {
    const d = bytes[i]! - 0x30;
    if (d < 0 || d > 9) return null;
    value = value * 10 + d;
  }
  if (!Number.isSafeInteger(value)) return null;
  return negative ? -value : value;
}

/** Case-insensitive comparison of bytes with a lowercase ASCII word. */
export function equalsWord(bytes: Uint8Array | undefined, word: string): boolean {
  if (bytes === undefined || bytes.length !== word.length) return false;
  for (let i = 0; i < word.length; i++) {
    if ((bytes[i]! | 0x20) !== word.charCodeAt(i)) return false;
  }
  return true;
}
