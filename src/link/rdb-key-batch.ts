import type { RdbValueType } from '../rdb/events.js';
import type { RdbKeyEvent, RdbKeysEvent, RecordedEvent } from './events.js';
import { counted } from '../counted.js';

/** An `rdb-keys` batch whose columns do not agree with each other. */
export class RdbKeysError extends Error {
  override readonly name = 'RdbKeysError';
}

/** A batch being gathered: its columns as they go into the event, the keys' bytes in `keys[0, keyBytes)`. */
type Gathering = Pick<RdbKeysEvent, 'count' | 'keys' | 'dbs' | 'keyLengths' | 'valueTypes' | 'encodings' | 'kinds' | 'expiries' | 'lengths'> & {
  /** Length the columns were made with. */
  capacity: number;
  keyBytes: number;
};

/** An empty batch whose per-key columns are made `capacity` long at once, with room for `keyBytes` of keys. */
function gathering(capacity: number, keyBytes: number): Gathering {
  return {
    count: 0,
    capacity,
    keys: new Uint8Array(keyBytes),
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
  /**
   * Each batch is made as long as the one before (chunks of a payload hold much the same keys: a
   * chunk of small keys over a thousand, and growing six arrays key by key shows).
   */
  private batch = gathering(0, 0);

  /** Adds a key, its name at `name[nameAt, nameAt + nameLength)`; the bytes are copied (they are the decoder's input, which moves on). */
  add(db: number, name: Uint8Array, nameAt: number, nameLength: number, valueType: RdbValueType, encoding: string, expiry: number | null, length: number | null): void {
    const b = this.batch;
    const i = b.count++;
    const at = b.keyBytes;
    const end = at + nameLength;
    if (end > b.keys.length) {
      const grown = new Uint8Array(Math.max(end, 2 * b.keys.length, 256));
      grown.set(b.keys.subarray(0, at));
      b.keys = grown;
    }
    // Most keys are short: a loop beats a call to set() for each.
    if (nameLength <= 32) for (let j = 0; j < nameLength; j++) b.keys[at + j] = name[nameAt + j]!;
    else b.keys.set(name.subarray(nameAt, nameAt + nameLength), at);
    b.keyBytes = end;
    b.dbs[i] = db;
    b.keyLengths[i] = nameLength;
    b.kinds[i] = kindOf(b, valueType, encoding);
    b.expiries[i] = expiry;
    b.lengths[i] = length;
  }

  /** Pushes the batch of the keys added since the last flush, if any. */
  flush(t: number, link: number, out: RecordedEvent[]): void {
    const b = this.batch;
    const count = b.count;
    if (count === 0) return;
    if (count < b.capacity) {
      b.dbs.length = count;
      b.keyLengths.length = count;
      b.kinds.length = count;
      b.expiries.length = count;
      b.lengths.length = count;
    }
    const { dbs, keyLengths, valueTypes, encodings, kinds, expiries, lengths } = b;
    out.push({ type: 'rdb-keys', t, link, count, dbs, keys: b.keys.subarray(0, b.keyBytes), keyLengths, valueTypes, encodings, kinds, expiries, lengths });
    this.batch = gathering(count, b.keyBytes);
  }
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
    if (!Array.isArray(column) || column.length !== count) refuse(`its ${name} column holds ${Array.isArray(column) ? column.length : 'no'} entries, it announces ${counted(count, 'key')}`);
  }
  if (!Array.isArray(valueTypes) || !Array.isArray(encodings) || valueTypes.length !== encodings.length) refuse('its valueTypes and encodings do not pair up');
  const events: RdbKeyEvent[] = new Array<RdbKeyEvent>(count);
  let at = 0;
  for (let i = 0; i < count; i++) {
    const length = keyLengths[i]!;
    const kind = kinds[i]!;
    if (!Number.isSafeInteger(length) || length < 0 || at + length > keys.length) refuse(`key ${i + 1} of ${count} runs past the ${counted(keys.length, 'byte')} of its keys`);
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
