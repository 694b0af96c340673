import type { RdbKey } from '../rdb/events.js';
import type { RdbKeyEvent, RdbKeysEvent, RecordedEvent } from './events.js';

/** An `rdb-keys` batch whose columns do not agree with each other. */
export class RdbKeysError extends Error {
  override readonly name = 'RdbKeysError';
}

/** Gathers the keys of one chunk into an `rdb-keys` batch, column by column. */
export class RdbKeyBatcher {
  private keys: Uint8Array[] = [];
  private keyBytes = 0;
  private dbs: number[] = [];
  private keyLengths: number[] = [];
  private valueTypes: string[] = [];
  private encodings: string[] = [];
  private kinds: number[] = [];
  private expiries: (number | null)[] = [];
  private lengths: (number | null)[] = [];

  /** Adds a key; its bytes need only stay unchanged until `flush`. */
  add(e: RdbKey): void {
    this.keys.push(e.key);
    this.keyBytes += e.key.length;
    this.dbs.push(e.db);
    this.keyLengths.push(e.key.length);
    this.kinds.push(this.kindOf(e.valueType, e.encoding));
    this.expiries.push(e.expiry);
    this.lengths.push(e.length);
  }

  /** Pushes the batch of the keys added since the last flush, if any. */
  flush(t: number, link: number, out: RecordedEvent[]): void {
    const count = this.keyLengths.length;
    if (count === 0) return;
    const batch: RdbKeysEvent = {
      type: 'rdb-keys',
      t,
      link,
      count,
      dbs: this.dbs,
      keys: this.joinedKeys(),
      keyLengths: this.keyLengths,
      valueTypes: this.valueTypes,
      encodings: this.encodings,
      kinds: this.kinds,
      expiries: this.expiries,
      lengths: this.lengths,
    };
    out.push(batch);
    this.keys = [];
    this.keyBytes = 0;
    this.dbs = [];
    this.keyLengths = [];
    this.valueTypes = [];
    this.encodings = [];
    this.kinds = [];
    this.expiries = [];
    this.lengths = [];
  }

  /**
   * The keys' bytes in one copy: they are views of the RDB decoder's input, which moves on. A plain
   * Uint8Array, as the decoder's own keys are.
   */
  private joinedKeys(): Uint8Array {
    const joined = new Uint8Array(this.keyBytes);
    let at = 0;
    for (const key of this.keys) {
      joined.set(key, at);
      at += key.length;
    }
    return joined;
  }

  private kindOf(valueType: string, encoding: string): number {
    for (let k = 0; k < this.valueTypes.length; k++) if (this.valueTypes[k] === valueType && this.encodings[k] === encoding) return k;
    this.valueTypes.push(valueType);
    this.encodings.push(encoding);
    return this.valueTypes.length - 1;
  }
}

/** The batch's `rdb-key` events, in order; throws RdbKeysError when its columns disagree. */
export function expandRdbKeys(batch: RdbKeysEvent): RdbKeyEvent[] {
  const { count, dbs, keys, keyLengths, valueTypes, encodings, kinds, expiries, lengths } = batch;
  const refuse = (problem: string): never => {
    throw new RdbKeysError(`rdb-keys batch of link ${batch.link}: ${problem}`);
  };
  if (!Number.isSafeInteger(count) || count < 1) refuse(`its count ${String(count)} is not a positive integer`);
  if (!(keys instanceof Uint8Array)) refuse('its keys are not a byte string');
  for (const [name, column] of [['dbs', dbs], ['keyLengths', keyLengths], ['kinds', kinds], ['expiries', expiries], ['lengths', lengths]] as const) {
    if (!Array.isArray(column) || column.length !== count) refuse(`its ${name} column holds ${Array.isArray(column) ? column.length : 'no'} entries, it announces ${count} keys`);
  }
  if (!Array.isArray(valueTypes) || !Array.isArray(encodings) || valueTypes.length !== encodings.length) refuse('its valueTypes and encodings do not pair up');
  const events: RdbKeyEvent[] = new Array<RdbKeyEvent>(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const length = keyLengths[i]!;
    const kind = kinds[i]!;
    if (!Number.isSafeInteger(length) || length < 0 || at + length > keys.length) refuse(`key ${i + 1} of ${count} runs past the ${keys.length} bytes of its keys`);
    if (!Number.isInteger(kind) || kind < 0 || kind >= valueTypes.length) refuse(`key ${i + 1} of ${count} has kind ${String(kind)}, the batch has ${valueTypes.length}`);
    events[i] = {
      type: 'rdb-key',
      t: batch.t,
      link: batch.link,
      db: dbs[i]!,
      key: keys.subarray(at, at + length),
      valueType: valueTypes[kind]!,
      encoding: encodings[kind]!,
      expiry: expiries[i] ?? null,
      length: lengths[i] ?? null,
    };
    at += length;
  }
  if (at !== keys.length) refuse(`its keys hold ${keys.length} bytes, its keyLengths add up to ${at}`);
  return events;
}
