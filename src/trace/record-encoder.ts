import type { CommandBatchEvent, CommandEvent, CommandRunEvent, RdbKeyEvent, RdbKeysEvent } from '../link/events.js';
import type { CommandRunByReference, RawRecord } from './format.js';

/**
 * Hand-written msgpack for the records that come by the million (`command`) or by the megabyte
 * (`raw`), written straight into the trace block. The output is ordinary msgpack maps, exactly as a
 * general encoder would write them, so any msgpack reader decodes them to the same objects.
 */

const keyCache = new Map<string, Buffer>();
const MAX_CACHED_STRINGS = 1024;

/** msgpack bytes of a short string (keys, command names), cached. */
function str(text: string): Buffer {
  let bytes = keyCache.get(text);
  if (bytes === undefined) {
    const utf8 = Buffer.from(text, 'utf8');
    const head = utf8.length < 32 ? Buffer.from([0xa0 | utf8.length]) : utf8.length < 256 ? Buffer.from([0xd9, utf8.length]) : Buffer.from([0xda, utf8.length >> 8, utf8.length & 0xff]);
    bytes = Buffer.concat([head, utf8]);
    if (keyCache.size < MAX_CACHED_STRINGS) keyCache.set(text, bytes);
  }
  return bytes;
}

const K = {
  type: str('type'),
  command: str('command'),
  raw: str('raw'),
  t: str('t'),
  link: str('link'),
  pos: str('pos'),
  offset: str('offset'),
  size: str('size'),
  name: str('name'),
  argc: str('argc'),
  db: str('db'),
  args: str('args'),
  cut: str('cut'),
  tx: str('tx'),
  dir: str('dir'),
  data: str('data'),
  rdbKey: str('rdb-key'),
  key: str('key'),
  valueType: str('valueType'),
  encoding: str('encoding'),
  expiry: str('expiry'),
  length: str('length'),
  commandRun: str('command-run'),
  count: str('count'),
  rdbKeys: str('rdb-keys'),
  dbs: str('dbs'),
  keys: str('keys'),
  keyLengths: str('keyLengths'),
  valueTypes: str('valueTypes'),
  encodings: str('encodings'),
  kinds: str('kinds'),
  expiries: str('expiries'),
  lengths: str('lengths'),
  commandBatch: str('command-batch'),
  names: str('names'),
  sizes: str('sizes'),
  argcs: str('argcs'),
};

function put(out: Buffer, at: number, bytes: Uint8Array): number {
  const n = bytes.length;
  if (n <= 16) {
    for (let i = 0; i < n; i++) out[at + i] = bytes[i]!;
  } else {
    out.set(bytes, at);
  }
  return at + n;
}

/** msgpack type bytes for an unsigned integer, and for a bin length, in 8, 16 and 32 bits. */
const UINT = [0xcc, 0xcd, 0xce] as const;
const BIN = [0xc4, 0xc5, 0xc6] as const;

/** `n` (below 2^32) after the type byte of its width. */
function sized(out: Buffer, at: number, codes: readonly [number, number, number], n: number): number {
  if (n < 0x100) {
    out[at] = codes[0];
    out[at + 1] = n;
    return at + 2;
  }
  if (n < 0x10000) {
    out[at] = codes[1];
    out.writeUInt16BE(n, at + 1);
    return at + 3;
  }
  out[at] = codes[2];
  out.writeUInt32BE(n, at + 1);
  return at + 5;
}

function num(out: Buffer, at: number, value: number): number {
  if (Number.isInteger(value) && value >= 0) {
    if (value < 0x80) {
      out[at] = value;
      return at + 1;
    }
    if (value < 0x100000000) return sized(out, at, UINT, value);
    if (value <= Number.MAX_SAFE_INTEGER) {
      out[at] = 0xcf;
      out.writeUInt32BE(Math.floor(value / 0x100000000), at + 1);
      out.writeUInt32BE(value >>> 0, at + 5);
      return at + 9;
    }
  } else if (Number.isInteger(value) && value >= -32) {
    // Negative fixint: a batch's keep-alive kind (-1).
    out[at] = value & 0xff;
    return at + 1;
  } else if (Number.isInteger(value) && value >= -0x80000000) {
    out[at] = 0xd2;
    out.writeInt32BE(value, at + 1);
    return at + 5;
  }
  out[at] = 0xcb;
  out.writeDoubleBE(value, at + 1);
  return at + 9;
}

/** A number, or nil for null. */
function numOrNil(out: Buffer, at: number, value: number | null): number {
  if (value !== null) return num(out, at, value);
  out[at] = 0xc0;
  return at + 1;
}

/** A key and its number. */
function numField(out: Buffer, at: number, key: Buffer, value: number): number {
  return num(out, put(out, at, key), value);
}

/** A key and its number or nil. */
function numOrNilField(out: Buffer, at: number, key: Buffer, value: number | null): number {
  return numOrNil(out, put(out, at, key), value);
}

/** The header of a map of `fields` entries and its first three: `type`, `t` and `link`, as every record starts. */
function recordHead(out: Buffer, at: number, fields: number, type: Buffer, t: number, link: number): number {
  out[at++] = 0x80 | fields;
  at = put(out, at, K.type);
  at = put(out, at, type);
  at = numField(out, at, K.t, t);
  at = put(out, at, K.link);
  return num(out, at, link);
}

function arrayHeader(out: Buffer, at: number, n: number): number {
  if (n < 16) {
    out[at] = 0x90 | n;
    return at + 1;
  }
  if (n < 0x10000) {
    out[at] = 0xdc;
    out.writeUInt16BE(n, at + 1);
    return at + 3;
  }
  out[at] = 0xdd;
  out.writeUInt32BE(n, at + 1);
  return at + 5;
}

/** A key and an array of numbers (nil for null). */
function numbersField(out: Buffer, at: number, key: Buffer, values: readonly (number | null)[]): number {
  at = arrayHeader(out, put(out, at, key), values.length);
  for (const v of values) at = numOrNil(out, at, v);
  return at;
}

/** A key and an array of short strings. */
function stringsField(out: Buffer, at: number, key: Buffer, values: readonly string[]): number {
  at = arrayHeader(out, put(out, at, key), values.length);
  for (const v of values) at = put(out, at, str(v));
  return at;
}

function binHeader(out: Buffer, at: number, n: number): number {
  return sized(out, at, BIN, n);
}

/** Bytes `encodeCommandRecord` may write for this event, at most. */
export function commandRecordBound(e: CommandEvent): number {
  let bound = 160 + 3 * e.name.length;
  if (e.args) for (const a of e.args) bound += a.length + 5;
  if (e.cut) bound += 9 * e.cut.length + 3;
  return bound;
}

export function encodeCommandRecord(e: CommandEvent, out: Buffer, at: number): number {
  const fields = 8 + (e.args ? 1 : 0) + (e.cut ? 1 : 0) + (e.tx ? 1 : 0);
  at = recordHead(out, at, fields, K.command, e.t, e.link);
  at = numField(out, at, K.offset, e.offset);
  at = numField(out, at, K.size, e.size);
  at = put(out, at, K.name);
  at = put(out, at, str(e.name));
  at = numField(out, at, K.argc, e.argc);
  at = numOrNilField(out, at, K.db, e.db);
  if (e.args) {
    at = put(out, at, K.args);
    at = arrayHeader(out, at, e.args.length);
    for (const a of e.args) at = put(out, binHeader(out, at, a.length), a);
  }
  if (e.cut) {
    at = put(out, at, K.cut);
    at = arrayHeader(out, at, e.cut.length);
    for (const v of e.cut) at = num(out, at, v);
  }
  if (e.tx) {
    at = put(out, at, K.tx);
    out[at++] = 0xc3;
  }
  return at;
}

/** Bytes `encodeRdbKeyRecord` may write for this event, at most (it takes events without a value). */
export function rdbKeyRecordBound(e: RdbKeyEvent): number {
  return 200 + e.key.length + 3 * (e.valueType.length + e.encoding.length);
}

/** The bytes every `rdb-key` record starts with: the map header, `type: "rdb-key"`, and the `t` key. */
const RDB_KEY_HEAD = Buffer.concat([Buffer.from([0x89]), K.type, K.rdbKey, K.t]);
/** `valueType: <type>, encoding: <encoding>` as msgpack, by type and encoding (a few dozen pairs). */
const typeAndEncoding = new Map<string, Map<string, Buffer>>();

function typeAndEncodingBytes(valueType: string, encoding: string): Buffer {
  let byEncoding = typeAndEncoding.get(valueType);
  if (byEncoding === undefined) typeAndEncoding.set(valueType, (byEncoding = new Map()));
  let bytes = byEncoding.get(encoding);
  if (bytes === undefined) byEncoding.set(encoding, (bytes = Buffer.concat([K.valueType, str(valueType), K.encoding, str(encoding)])));
  return bytes;
}

/** An `rdb-key` record without a value (`--record commands`): one per key of every full sync. */
export function encodeRdbKeyRecord(e: RdbKeyEvent, out: Buffer, at: number): number {
  out.set(RDB_KEY_HEAD, at);
  at += RDB_KEY_HEAD.length;
  at = num(out, at, e.t);
  at = numField(out, at, K.link, e.link);
  at = numField(out, at, K.db, e.db);
  at = put(out, at, K.key);
  at = put(out, binHeader(out, at, e.key.length), e.key);
  at = put(out, at, typeAndEncodingBytes(e.valueType, e.encoding));
  at = numOrNilField(out, at, K.expiry, e.expiry);
  return numOrNilField(out, at, K.length, e.length);
}

/** Bytes `encodeRdbKeysRecord` may write for this batch, at most. */
export function rdbKeysRecordBound(b: RdbKeysEvent): number {
  let bound = 300 + b.keys.length + 33 * b.count;
  for (let k = 0; k < b.valueTypes.length; k++) bound += 6 + 3 * (b.valueTypes[k]!.length + b.encodings[k]!.length);
  return bound;
}

/**
 * A batch of RDB keys: one per chunk of every full sync. Expiries (epoch ms, past 2^32) are written
 * as integers, as in `rdb-key` records, where a general encoder would write doubles.
 */
export function encodeRdbKeysRecord(b: RdbKeysEvent, out: Buffer, at: number): number {
  at = recordHead(out, at, 12, K.rdbKeys, b.t, b.link);
  at = numField(out, at, K.count, b.count);
  at = numbersField(out, at, K.dbs, b.dbs);
  at = put(out, at, K.keys);
  at = put(out, binHeader(out, at, b.keys.length), b.keys);
  at = numbersField(out, at, K.keyLengths, b.keyLengths);
  at = stringsField(out, at, K.valueTypes, b.valueTypes);
  at = stringsField(out, at, K.encodings, b.encodings);
  at = numbersField(out, at, K.kinds, b.kinds);
  at = numbersField(out, at, K.expiries, b.expiries);
  return numbersField(out, at, K.lengths, b.lengths);
}

/** Where a run or batch of stream frames ends (`pos`, `offset`) and the state at its start (`db`, `tx`). */
function streamPlace(out: Buffer, at: number, r: Pick<CommandRunEvent, 'pos' | 'offset' | 'db' | 'tx'>): number {
  at = numField(out, at, K.pos, r.pos);
  at = numField(out, at, K.offset, r.offset);
  at = numOrNilField(out, at, K.db, r.db);
  at = put(out, at, K.tx);
  out[at++] = r.tx ? 0xc3 : 0xc2;
  return at;
}

/** Bytes `encodeCommandBatchRecord` may write for this batch, at most. */
export function commandBatchRecordBound(b: CommandBatchEvent): number {
  let bound = 200 + 23 * b.count;
  for (const name of b.names) bound += 5 + 3 * name.length;
  return bound;
}

/** A batch of command frames at `--record meta`: one per chunk of the stream. */
export function encodeCommandBatchRecord(b: CommandBatchEvent, out: Buffer, at: number): number {
  at = streamPlace(out, recordHead(out, at, 12, K.commandBatch, b.t, b.link), b);
  at = numField(out, at, K.count, b.count);
  at = stringsField(out, at, K.names, b.names);
  at = numbersField(out, at, K.kinds, b.kinds);
  at = numbersField(out, at, K.sizes, b.sizes);
  return numbersField(out, at, K.argcs, b.argcs);
}

/** The map header and fields of a raw record, up to and including the `data` bin header. */
export function encodeRawRecordHead(r: RawRecord, out: Buffer, at: number): number {
  at = recordHead(out, at, 6, K.raw, r.t, r.link);
  at = put(out, at, K.dir);
  at = put(out, at, str(r.dir));
  at = numField(out, at, K.pos, r.pos);
  at = put(out, at, K.data);
  return binHeader(out, at, r.data.length);
}

/** A command run's fields but its bytes. */
function commandRunFields(r: CommandRunEvent | CommandRunByReference, out: Buffer, at: number): number {
  at = streamPlace(out, recordHead(out, at, 9, K.commandRun, r.t, r.link), r);
  return numField(out, at, K.count, r.count);
}

/** The map header and fields of a command run, up to and including the `data` bin header. */
export function encodeCommandRunHead(r: CommandRunEvent, out: Buffer, at: number): number {
  at = put(out, commandRunFields(r, out, at), K.data);
  return binHeader(out, at, r.data.length);
}

/** A command run whose bytes are in the raw record before it: `length` in place of `data`. */
export function encodeCommandRunByReference(r: CommandRunByReference, out: Buffer, at: number): number {
  return numField(out, commandRunFields(r, out, at), K.length, r.length);
}

/** Upper bound of the output of `encodeRawRecordHead`, `encodeCommandRunHead` and `encodeCommandRunByReference`. */
export const DATA_HEAD_BOUND = 128;
