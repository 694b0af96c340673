import type { RdbKey } from '../rdb/events.js';
import type { RdbKeyEvent, RdbKeysEvent, RecordedEvent } from './events.js';

/** An `rdb-keys` batch whose columns do not agree with each other. */
export class RdbKeysError extends Error {
  override readonly name = 'RdbKeysError';
}

/** A batch being gathered: its columns as they go into the event, the keys' bytes still apart. */
type Gathering = Pick<RdbKeysEvent, 'count' | 'dbs' | 'keyLengths' | 'valueTypes' | 'encodings' | 'kinds' | 'expiries' | 'lengths'> & {
  /** Length the columns were made with (0 when they grow key by key). */
  capacity: number;
  keys: Uint8Array[];
  keyBytes: number;
};

/** An empty batch whose per-key columns are made `capacity` long at once. */
function gathering(capacity: number): Gathering {
  return {
    count: 0,
    capacity,
    keys: new Array<Uint8Array>(capacity),
    keyBytes: 0,
    dbs: new Array<number>(capacity),
    keyLengths: new Array<number>(capacity),
    valueTypes: [],
    encodings: [],
    kinds: new Array<number>(capacity),
    expiries: new Array<number | null>(capacity),
    lengths: new Array<number | null>(capacity),
  };
}

/** Gathers the keys of one chunk into an `rdb-keys` batch, column by column. */
export class RdbKeyBatcher {
  private batch = gathering(0);

  /**
   * Up to `n` more keys may come before the next flush: the columns are made that long at once
   * (a chunk of small keys holds over a thousand, and growing six arrays key by key shows).
   */
  expect(n: number): void {
    if (this.batch.count === 0 && n > 0) this.batch = gathering(n);
  }

  /** Adds a key; its bytes need only stay unchanged until `flush`. */
  add(e: RdbKey): void {
    const b = this.batch;
    const i = b.count++;
    b.keys[i] = e.key;
    b.keyBytes += e.key.length;
    b.dbs[i] = e.db;
    b.keyLengths[i] = e.key.length;
    b.kinds[i] = kindOf(b, e.valueType, e.encoding);
    b.expiries[i] = e.expiry;
    b.lengths[i] = e.length;
  }

  /** Pushes the batch of the keys added since the last flush, if any. */
  flush(t: number, link: number, out: RecordedEvent[]): void {
    const b = this.batch;
    const count = b.count;
    if (count === 0) return;
    if (count < b.capacity) {
      b.keys.length = count;
      b.dbs.length = count;
      b.keyLengths.length = count;
      b.kinds.length = count;
      b.expiries.length = count;
      b.lengths.length = count;
    }
    const { dbs, keyLengths, valueTypes, encodings, kinds, expiries, lengths } = b;
    out.push({ type: 'rdb-keys', t, link, count, dbs, keys: joinedKeys(b), keyLengths, valueTypes, encodings, kinds, expiries, lengths });
    this.batch = gathering(0);
  }
}

/**
 * The keys' bytes in one copy: they are views of the RDB decoder's input, which moves on. A plain
 * Uint8Array, as the decoder's own keys are.
 */
function joinedKeys(b: Gathering): Uint8Array {
  const joined = new Uint8Array(b.keyBytes);
  let at = 0;
  for (const key of b.keys) {
    // Most keys are short: a loop beats a call to set() for each.
    if (key.length <= 32) for (let i = 0; i < key.length; i++) joined[at + i] = key[i]!;
    else joined.set(key, at);
    at += key.length;
  }
  return joined;
}

/** The index of the batch's `valueType`/`encoding` pair, added if new. */
function kindOf(b: Gathering, valueType: string, encoding: string): number {
  for (let k = 0; k < b.valueTypes.length; k++) if (b.valueTypes[k] === valueType && b.encodings[k] === encoding) return k;
  b.valueTypes.push(valueType);
  b.encodings.push(encoding);
  return b.valueTypes.length - 1;
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
