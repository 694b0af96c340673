const utf8 = new TextDecoder('utf-8', { fatal: true });

/** Bytes as JSON: a string when they are valid UTF-8, else `{ "base64": "..." }`, so nothing is lost. */
export function bytesToJson(bytes: Uint8Array): string | { base64: string } {
  try {
    return utf8.decode(bytes);
  } catch {
    return { base64: Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString('base64') };
  }
}

/**
 * The replacer sees values after `toJSON`, which turns a Buffer into `{type, data}`: the raw value
 * is read from the holder instead. Non-finite numbers (sorted-set scores) become "inf", "-inf",
 * "nan" rather than JSON's null.
 */
function replacer(this: Record<string, unknown>, key: string, value: unknown): unknown {
  const raw = this[key];
  if (raw instanceof Uint8Array) return bytesToJson(raw);
  if (typeof raw === 'number' && !Number.isFinite(raw)) return Number.isNaN(raw) ? 'nan' : raw > 0 ? 'inf' : '-inf';
  return value;
}

/** JSON text of a trace record with binary fields made safe. */
export function toJsonLine(record: object): string {
  return JSON.stringify(record, replacer);
}
