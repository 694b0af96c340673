import type { RdbEvent, RdbValueType } from './events.js';

/**
 * Takes a decode's events as they are read, keys without values through a call each instead of a
 * `key` event: making an event and a view for every key cost more than decoding it. Keys and the
 * other events arrive in the file's order.
 */
export interface RdbSink {
  /** Whether `key` needs the key's name; when not, names are skipped unread and given as empty. */
  readonly namesKeys: boolean;
  /**
   * One key, its name at `name[nameAt, nameAt + nameLength)`: a span of the decoder's input (not a
   * view made for it), valid only during the call. `length` is the value's element count, as in
   * `key` events.
   */
  key(db: number, name: Uint8Array, nameAt: number, nameLength: number, valueType: RdbValueType, encoding: string, expiry: number | null, length: number | null, empty: boolean): void;
  /** Every event other than a key; its bytes too may be views valid only during the call. */
  event(event: RdbEvent): void;
}
