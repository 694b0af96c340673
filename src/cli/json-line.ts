const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as JSON: a string when they are valid UTF-8, else `{ "base64": "..." }`, so nothing is lost. */
export function bytesToJson(bytes: Uint8Array): string | { base64: string } {
  try {
    return utf8.decode(bytes);
  } catch {
    return { base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
  }
}

/** JSON text of a trace record with binary fields made safe. */
export function toJsonLine(record: object): string {
  return JSON.stringify(record, (_key, value: unknown) => (value instanceof Uint8Array ? bytesToJson(value) : value));
}
