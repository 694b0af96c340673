import type { RdbKey } from '../rdb/events.js';
import type { RdbKeyEvent, RdbKeysEvent, RecordedEvent } from './events.js';

/** An `rdb-keys` batch whose columns do not agree with each other. */
export class RdbKeysError extends Error {
  override readonly name = 'RdbKeysError';
}

/** Gathers the keys of one chunk into an `rdb-keys` batch, column by column. */
export class RdbKeyBatcher {
  private count = 0;
  /** Length the columns were made with by `expect` (0 when they grow key by key). */
  private capacity = 0;
  private keys: Uint8Array[] = [];
  private keyBytes = 0;
  private dbs: number[] = [];
  private keyLengths: number[] = [];
  private valueTypes: string[] = [];
  private encodings: string[] = [];
  private kinds: number[] = [];
  private expiries: (number | null)[] = [];
  private lengths: (number | null)[] = [];

  /**
   * Up to `n` more keys may come before the next flush: the columns are made that long at once
   * (a chunk of small keys holds over a thousand, and growing six arrays key by key shows).
   */
  expect(n: number): void {
    if (this.count > 0 || n <= 0) return;
    this.capacity = n;
    this.keys = new Array<Uint8Array>(n);
    this.dbs = new Array<number>(n);
    this.keyLengths = new Array<number>(n);
    this.kinds = new Array<number>(n);
    this.expiries = new Array<number | null>(n);
    this.lengths = new Array<number | null>(n);
  }

  /** Adds a key; its bytes need only stay unchanged until `flush`. */
  add(e: RdbKey): void {
    const i = this.count++;
    this.keys[i] = e.key;
    this.keyBytes += e.key.length;
    this.dbs[i] = e.db;
    this.keyLengths[i] = e.key.length;
    this.kinds[i] = this.kindOf(e.valueType, e.encoding);
    this.expiries[i] = e.expiry;
    this.lengths[i] = e.length;
  }

  /** Pushes the batch of the keys added since the last flush, if any. */
  flush(t: number, link: number, out: RecordedEvent[]): void {
    const count = this.count;
    if (count === 0) return;
    if (count < this.capacity) {
      this.keys.length = count;
      this.dbs.length = count;
      this.keyLengths.length = count;
      this.kinds.length = count;
      this.expiries.length = count;
      this.lengths.length = count;
    }
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
    this.count = 0;
    this.capacity = 0;
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
      // Most keys are short: a loop beats a call to set() for each.
      if (key.length <= 32) for (let i = 0; i < key.length; i++) joined[at + i] = key[i]!;
      else joined.set(key, at);
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
