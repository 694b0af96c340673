import { latin1 } from '../resp/ascii.js';

const MAX_CACHED = 512;
const cache = new Map<string, string>();

/**
 * The lowercased name of a command from its first argument. Names repeat endlessly in a stream, so
 * the lowercase form is cached by the exact spelling (bounded, since names are client-chosen).
 */
export function commandName(bytes: Uint8Array | undefined): string {
  if (bytes === undefined) return '';
  const raw = latin1(bytes);
  let name = cache.get(raw);
  if (name === undefined) {
    name = raw.toLowerCase();
    if (cache.size < MAX_CACHED) cache.set(raw, name);
  }
  return name;
}
