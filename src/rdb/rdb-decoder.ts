import { createHash, type Hash } from 'node:crypto';
import { countIntset, countListpack, countZiplist, countZipmap, decodeIntset, decodeListpack, decodeZiplist, decodeZipmap, type Element } from './blobs.js';
import { Crc64, storedChecksumHex } from './crc64.js';
import { BlobError, RdbFormatError } from './errors.js';
import type { HashEntry, ModuleValue, Oversized, RdbEvent, RdbKey, RdbValue, RdbValueType, StreamGroup, StreamValue, ZsetEntry } from './events.js';
import { lzfDecompress } from './lzf.js';
import { parseRdbMagic, RDB_MAGIC_BYTES } from './magic.js';
import { moduleName } from './module-id.js';
import type { RdbSink } from './sink.js';

export interface RdbDecoderOptions {
  /** Materialise values in `key` events (`--json`), or only describe keys (summaries). */
  values: boolean;
  /** Strings and blobs above this are not held: they are reported with their size and SHA-256. */
  maxValueBytes: number;
  /** Compute the CRC-64 and compare it with the trailer (the end event says `unchecked` otherwise). */
  verifyChecksum: boolean;
  /**
   * Hand every event to this sink as it is read, keys through a call each, instead of returning
   * them from `feed` and `end`. Only without values.
   */
  sink?: RdbSink;
}

export const DEFAULT_MAX_VALUE_BYTES = 64 * 1024 * 1024;

/** The newest RDB version this decoder reads (Redis 7.4 / 8.0). */
export const MAX_RDB_VERSION = 12;

const EMPTY = Buffer.alloc(0);
/** `tryLength` and `tryString` return this when the bytes are not all here yet. */
const NEED = -1;
const SPECIAL = -2;
const NEED_STRING = Symbol('need');
/** `tryMeasure` returns this when the value is not wholly buffered (nothing consumed). */
const NOT_MEASURED = -3;
/** The value of a key event when values are not asked for. */
const NO_VALUE: Uint8Array = new Uint8Array(0);

/** An empty collection (Redis skips such keys on load); strings, modules and streams are never that. */
function isEmpty(valueType: RdbValueType, length: number | null): boolean {
  return length === 0 && valueType !== 'string' && valueType !== 'module' && valueType !== 'stream';
}

/** Per object type: value type, RDB encoding, and what the parser is inside (for truncation messages). */
const TYPES: Record<number, [RdbValueType, string]> = {
  0: ['string', 'string'],
  1: ['list', 'linkedlist'],
  2: ['set', 'hashtable'],
  3: ['zset', 'skiplist'],
  4: ['hash', 'hashtable'],
  5: ['zset', 'skiplist'],
  7: ['module', 'module'],
  9: ['hash', 'zipmap'],
  10: ['list', 'ziplist'],
  11: ['set', 'intset'],
  12: ['zset', 'ziplist'],
  13: ['hash', 'ziplist'],
  14: ['list', 'quicklist'],
  15: ['stream', 'listpacks'],
  16: ['hash', 'listpack'],
  17: ['zset', 'listpack'],
  18: ['list', 'quicklist2'],
  19: ['stream', 'listpacks2'],
  20: ['set', 'listpack'],
  21: ['stream', 'listpacks3'],
  22: ['hash', 'metadata-pre-ga'],
  23: ['hash', 'listpack-ex-pre-ga'],
  24: ['hash', 'metadata'],
  25: ['hash', 'listpack-ex'],
};
const KEY_CONTEXT: Record<number, string> = {};
const VALUE_CONTEXT: Record<number, string> = {};
for (const [op, [type]] of Object.entries(TYPES)) {
  KEY_CONTEXT[Number(op)] = `a ${type} key`;
  VALUE_CONTEXT[Number(op)] = `the ${type} value of key`;
}

type Gen<T> = Generator<void, T, void>;

/** Opcodes (§7.6) take the bytes 0xF4 (SLOT_INFO) to 0xFF (EOF); value types are below. */
const FIRST_OPCODE = 0xf4;

/**
 * A streaming RDB decoder: fed chunks of any size, it returns events as soon as each record is
 * complete. It holds at most the record in progress, and never a string or blob larger than
 * `maxValueBytes` (those stream through a digest). Errors carry the byte offset in the file.
 */
export class RdbDecoder {
  private readonly opts: RdbDecoderOptions;
  /** Bytes received and not yet dropped; `pos` is the read position in it. */
  private buf: Buffer = EMPTY;
  private pos = 0;
  /** File offset of `buf[0]`. */
  private base = 0;
  /** Chunks waiting until the parser's need is met (so a long record is joined once, not per chunk). */
  /** `buf`'s ArrayBuffer and offset, read once per absorb: value views are made from them. */
  private ab: ArrayBufferLike = EMPTY.buffer;
  private abOffset = 0;
  private pending: Buffer[] = [];
  /**
   * File offset where the bytes of the last chunk used as `buf` itself (not joined into memory of
   * our own) end. Views the parser made of a record's bytes may lie in that chunk.
   */
  private fedEnd = 0;
  /** File offset of the record being parsed: views of its bytes may be held until it ends. */
  private recordAt = 0;
  private pendingBytes = 0;
  private wanting = 0;
  private readonly crc = new Crc64();
  /** A module value's bytes, kept as they are consumed (values on). */
  private capture: { at: number; parts: Buffer[]; bytes: number; hash: Hash } | null = null;
  private crcAt = 0;
  private out: RdbEvent[] = [];
  private readonly parser: Gen<void>;
  private finished = false;
  private failed: RdbFormatError | null = null;
  private trailing = 0;
  private version = 0;
  private db = 0;
  /** What the parser is inside, for truncation messages (the key is only formatted if needed). */
  private context = 'the header';
  /** The key of the record being read once its value is reached: named in messages, and the key of its event. */
  private recordKey: Uint8Array | null = null;

  constructor(options: Partial<RdbDecoderOptions> = {}) {
    this.opts = { values: false, maxValueBytes: DEFAULT_MAX_VALUE_BYTES, verifyChecksum: true, ...options };
    if (this.opts.values && this.opts.sink !== undefined) throw new Error('RdbDecoder: a sink takes keys without values; decode values into events');
    this.parser = this.run();
  }

  /** True once the EOF opcode and checksum were read. */
  get done(): boolean {
    return this.finished;
  }

  /**
   * Stops referencing the bytes fed so far, so that a caller reading into memory it reuses may
   * overwrite them; false (nothing changed) when it cannot. Without values, the only bytes read
   * before and used later are the key of the record in progress: it is copied, with the bytes not
   * read yet. With values, the parts of a value are views until its record ends, so it cannot
   * while a record that began in a chunk as it was fed is being read. Called once per pool of
   * reads, not per chunk: the copy is a partial record.
   */
  releaseInput(): boolean {
    if (this.finished || this.failed !== null) return true;
    if (this.pending.length === 0 && this.fedEnd <= this.recordAt) {
      // The record in progress holds none of the input, but the CRC may not have read all of it yet.
      this.checksumUpTo(this.base + this.pos);
      return true;
    }
    if (this.opts.values) return false;
    this.absorb(true);
    this.fedEnd = this.base;
    if (this.recordKey !== null && this.recordKey.length > 0) this.recordKey = this.recordKey.slice();
    return true;
  }

  /** Bytes received after the checksum (a file with trailing data). */
  get trailingBytes(): number {
    return this.trailing;
  }

  /** Feeds the next bytes; returns the events completed by them. Throws RdbFormatError. */
  feed(chunk: Uint8Array): RdbEvent[] {
    if (this.failed) throw this.again();
    if (this.finished) {
      this.trailing += chunk.length;
      return [];
    }
    const bytes = Buffer.isBuffer(chunk) ? chunk : Buffer.from(chunk.buffer, chunk.byteOffset, chunk.byteLength);
    this.pending.push(bytes);
    this.pendingBytes += bytes.length;
    if (this.buf.length - this.pos + this.pendingBytes < this.wanting) return [];
    this.absorb();
    return this.resume();
  }

  /** The input ended: throws when the file stopped before its EOF opcode and checksum. */
  end(): RdbEvent[] {
    if (this.failed) throw this.again();
    if (!this.finished) {
      this.absorb();
      const events = this.resume();
      if (!this.finished) {
        const at = this.base + this.buf.length;
        throw this.fail(new RdbFormatError(at, `the file ends at byte ${at}, inside ${this.describeContext()} (truncated RDB)`));
      }
      return events;
    }
    return [];
  }

  /** The fault again, for a caller that feeds on: without events this time. */
  private again(): RdbFormatError {
    return new RdbFormatError(this.failed!.at, this.failed!.reason);
  }

  private describeContext(): string {
    const key = this.recordKey;
    return key === null ? this.context : `${this.context} ${JSON.stringify(Buffer.from(key.subarray(0, 64)).toString('latin1'))}`;
  }

  private fail(error: RdbFormatError): RdbFormatError {
    this.failed = error;
    return error;
  }

  private resume(): RdbEvent[] {
    try {
      this.parser.next();
    } catch (error) {
      if (error instanceof RdbFormatError) {
        this.fail(error);
        error.events = this.out;
        this.out = [];
      }
      throw error;
    }
    const events = this.out;
    this.out = [];
    return events;
  }

  /** An event other than a key: to the sink, or returned from this call. */
  private emit(event: RdbEvent): void {
    const sink = this.opts.sink;
    if (sink === undefined) this.out.push(event);
    else sink.event(event);
  }

  /**
   * Drops consumed bytes (after adding them to the CRC) and joins the waiting chunks; with `copy`,
   * into memory of its own even when there is nothing to join.
   */
  private absorb(copy = false): void {
    this.checksumUpTo(this.base + this.pos);
    this.captureUpTo(this.base + this.pos);
    const rest = this.buf.subarray(this.pos);
    this.base += this.pos;
    this.pos = 0;
    if (!copy && this.pending.length === 0) {
      this.buf = rest;
    } else if (!copy && rest.length === 0 && this.pending.length === 1) {
      this.buf = this.pending[0]!;
      this.fedEnd = this.base + this.buf.length;
    } else {
      this.buf = Buffer.concat([rest, ...this.pending]);
    }
    this.pending = [];
    this.pendingBytes = 0;
    this.ab = this.buf.buffer;
    this.abOffset = this.buf.byteOffset;
  }

  /** A view of `n` buffered bytes at `from` (a plain Uint8Array: far cheaper to make than a Buffer). */
  private view(from: number, n: number): Uint8Array {
    return new Uint8Array(this.ab, this.abOffset + from, n);
  }

  /** Keeps the consumed bytes of a module value being captured, before they are dropped. */
  private captureUpTo(offset: number): void {
    const c = this.capture;
    if (c === null || offset <= c.at) return;
    const slice = this.buf.subarray(c.at - this.base, offset - this.base);
    c.hash.update(slice);
    c.bytes += slice.length;
    if (c.bytes <= this.opts.maxValueBytes) c.parts.push(Buffer.from(slice));
    else c.parts.length = 0;
    c.at = offset;
  }

  private checksumUpTo(offset: number): void {
    if (offset > this.crcAt && this.opts.verifyChecksum) {
      this.crc.update(this.buf, this.crcAt - this.base, offset - this.base);
      this.crcAt = offset;
    }
  }

  private get avail(): number {
    return this.buf.length - this.pos;
  }

  private get at(): number {
    return this.base + this.pos;
  }

  /** Waits until `n` bytes are readable. */
  private *need(n: number): Gen<void> {
    while (this.buf.length - this.pos < n) {
      this.wanting = n;
      yield;
      this.wanting = 0;
    }
  }

  private *byte(): Gen<number> {
    if (this.avail < 1) yield* this.need(1);
    return this.buf[this.pos++]!;
  }

  // ---- lengths (§7.3) -------------------------------------------------------------------

  private special = 0;

  /** Reads a length if all its bytes are here: the length, SPECIAL (see `special`), or NEED. */
  private tryLength(): number {
    const b = this.buf;
    const p = this.pos;
    if (p >= b.length) return NEED;
    const first = b[p]!;
    const kind = first >> 6;
    if (kind === 0) {
      this.pos = p + 1;
      return first & 0x3f;
    }
    if (kind === 1) {
      if (p + 2 > b.length) return NEED;
      this.pos = p + 2;
      return ((first & 0x3f) << 8) | b[p + 1]!;
    }
    if (kind === 3) {
      this.pos = p + 1;
      this.special = first & 0x3f;
      return SPECIAL;
    }
    if (first === 0x80 || (this.version < 8 && first !== 0x81)) {
      if (p + 5 > b.length) return NEED;
      this.pos = p + 5;
      return b.readUInt32BE(p + 1);
    }
    if (first === 0x81) {
      if (p + 9 > b.length) return NEED;
      const hi = b.readUInt32BE(p + 1);
      const lo = b.readUInt32BE(p + 5);
      if (hi >= 0x200000) throw new RdbFormatError(this.base + p, `length ${(BigInt(hi) << 32n) | BigInt(lo)} is beyond 2^53`);
      this.pos = p + 9;
      return hi * 0x100000000 + lo;
    }
    throw new RdbFormatError(this.base + p, `invalid length encoding byte 0x${first.toString(16)}`);
  }

  private *length(what: string): Gen<number> {
    let n: number;
    while ((n = this.tryLength()) === NEED) yield* this.need(this.avail + 1);
    if (n === SPECIAL) throw new RdbFormatError(this.at - 1, `${what}: expected a length, found a string encoding (0x${(0xc0 | this.special).toString(16)})`);
    return n;
  }

  /** A 64-bit length as a bigint (stream ids, module ids). */
  private *length64(what: string): Gen<bigint> {
    if (this.avail < 1) yield* this.need(1);
    if (this.buf[this.pos] === 0x81) {
      if (this.avail < 9) yield* this.need(9);
      const v = this.buf.readBigUInt64BE(this.pos + 1);
      this.pos += 9;
      return v;
    }
    return BigInt(yield* this.length(what));
  }

  // ---- strings (§7.4) -------------------------------------------------------------------

  /** Fast path: a whole string already here and not over the cap; NEED_STRING otherwise (nothing consumed). */
  private tryString(): Uint8Array | typeof NEED_STRING {
    const start = this.pos;
    const n = this.tryLength();
    if (n >= 0) {
      if (n <= this.opts.maxValueBytes && this.pos + n <= this.buf.length) {
        const s = this.view(this.pos, n);
        this.pos += n;
        return s;
      }
    } else if (n === SPECIAL && this.special <= 2) {
      const width = 1 << this.special;
      if (this.pos + width <= this.buf.length) {
        const v = this.special === 0 ? this.buf.readInt8(this.pos) : this.special === 1 ? this.buf.readInt16LE(this.pos) : this.buf.readInt32LE(this.pos);
        this.pos += width;
        return Buffer.from(String(v), 'latin1');
      }
    }
    this.pos = start;
    return NEED_STRING;
  }

  private *string(what: string): Gen<Uint8Array | Oversized> {
    const fast = this.tryString();
    if (fast !== NEED_STRING) return fast;
    let n: number;
    while ((n = this.tryLength()) === NEED) yield* this.need(this.avail + 1);
    if (n === SPECIAL) {
      const enc = this.special;
      if (enc <= 2) {
        const width = 1 << enc;
        if (this.avail < width) yield* this.need(width);
        const v = enc === 0 ? this.buf.readInt8(this.pos) : enc === 1 ? this.buf.readInt16LE(this.pos) : this.buf.readInt32LE(this.pos);
        this.pos += width;
        return Buffer.from(String(v), 'latin1');
      }
      if (enc === 3) {
        const at = this.at - 1;
        const compressed = yield* this.length(`${what}: LZF compressed length`);
        const length = yield* this.length(`${what}: LZF length`);
        if (compressed > this.opts.maxValueBytes || length > this.opts.maxValueBytes) return yield* this.skip(compressed);
        if (this.avail < compressed) yield* this.need(compressed);
        const input = this.view(this.pos, compressed);
        this.pos += compressed;
        try {
          return lzfDecompress(input, length);
        } catch (error) {
          if (error instanceof BlobError) throw new RdbFormatError(at, `${what}: ${error.reason}`);
          throw error;
        }
      }
      throw new RdbFormatError(this.at - 1, `${what}: unknown string encoding 0x${(0xc0 | enc).toString(16)}`);
    }
    if (n > this.opts.maxValueBytes) return yield* this.skip(n);
    if (this.avail < n) yield* this.need(n);
    const s = this.view(this.pos, n);
    this.pos += n;
    return s;
  }

  /** Skips a whole string already buffered, LZF payload included, without making anything; false (nothing consumed) otherwise. */
  private trySkipString(): boolean {
    const start = this.pos;
    const n = this.tryLength();
    if (n >= 0) {
      if (this.pos + n <= this.buf.length) {
        this.pos += n;
        return true;
      }
    } else if (n === SPECIAL) {
      if (this.special <= 2) {
        const width = 1 << this.special;
        if (this.pos + width <= this.buf.length) {
          this.pos += width;
          return true;
        }
      } else if (this.special === 3) {
        const compressed = this.tryLength();
        if (compressed >= 0 && this.tryLength() >= 0 && this.pos + compressed <= this.buf.length) {
          this.pos += compressed;
          return true;
        }
      }
    }
    this.pos = start;
    return false;
  }

  /** A value string that is only counted (summary mode): skipped as it arrives, LZF undecoded. */
  private *skipString(what: string): Gen<void> {
    if (this.trySkipString()) return;
    let n: number;
    while ((n = this.tryLength()) === NEED) yield* this.need(this.avail + 1);
    if (n === SPECIAL) {
      if (this.special <= 2) {
        yield* this.advance(1 << this.special);
        return;
      }
      if (this.special !== 3) throw new RdbFormatError(this.at - 1, `${what}: unknown string encoding 0x${(0xc0 | this.special).toString(16)}`);
      const compressed = yield* this.length(`${what}: LZF compressed length`);
      yield* this.length(`${what}: LZF length`);
      n = compressed;
    }
    yield* this.advance(n);
  }

  /** Consumes `n` bytes as they arrive, holding none of them. */
  private *advance(n: number): Gen<void> {
    let left = n;
    while (left > 0) {
      if (this.avail === 0) yield* this.need(1);
      const take = Math.min(left, this.avail);
      this.pos += take;
      left -= take;
    }
  }

  /** A string that must be held whole (a key, an aux field, a blob); an oversized one is an error. */
  private *held(what: string): Gen<Uint8Array> {
    const fast = this.tryString();
    if (fast !== NEED_STRING) return fast;
    const at = this.at;
    const s = yield* this.string(what);
    if (!(s instanceof Uint8Array)) throw new RdbFormatError(at, `${what} of ${s.bytes} bytes is over the ${this.opts.maxValueBytes}-byte limit (--max-value-bytes)`);
    return s;
  }

  /** Consumes `n` bytes as they arrive, keeping only their count and digest. */
  private *skip(n: number): Gen<Oversized> {
    const hash = createHash('sha256');
    let left = n;
    while (left > 0) {
      if (this.avail === 0) yield* this.need(1);
      const take = Math.min(left, this.avail);
      hash.update(this.buf.subarray(this.pos, this.pos + take));
      this.pos += take;
      left -= take;
    }
    return { oversized: true, bytes: n, sha256: hash.digest('hex') };
  }

  private *fixed(n: number): Gen<Buffer> {
    if (this.avail < n) yield* this.need(n);
    const bytes = this.buf.subarray(this.pos, this.pos + n);
    this.pos += n;
    return bytes;
  }

  // ---- the file (§7.1, §7.6) ------------------------------------------------------------

  private *run(): Gen<void> {
    const header = yield* this.fixed(RDB_MAGIC_BYTES);
    const magic = parseRdbMagic(header);
    if (magic === null) throw new RdbFormatError(0, `not an RDB file: it starts with ${JSON.stringify(header.toString('latin1'))}, not REDIS<4 digits>`);
    if (magic.format === 'valkey') {
      throw new RdbFormatError(0, `Valkey 9 RDB format (${header.toString('latin1')}) is not supported; this decoder reads Redis RDB versions 1 to ${MAX_RDB_VERSION} (Valkey 7 and 8 write those)`);
    }
    if (magic.version < 1 || magic.version > MAX_RDB_VERSION) {
      throw new RdbFormatError(5, `RDB version ${magic.version} is not supported (this decoder reads 1 to ${MAX_RDB_VERSION})`);
    }
    this.version = magic.version;
    this.emit({ type: 'header', format: magic.format, version: magic.version });
    let expiry: number | null = null;
    let idle: number | undefined;
    let freq: number | undefined;
    const sink = this.opts.sink;
    for (;;) {
      this.context = 'a record';
      this.recordKey = null;
      const at = this.at;
      this.recordAt = at;
      // The opcode is read inline when buffered: `yield* this.byte()` makes a generator per key.
      const op = this.pos < this.buf.length ? this.buf[this.pos++]! : yield* this.byte();
      if (op >= FIRST_OPCODE) {
        switch (op) {
          case 0xfc: {
            this.context = 'EXPIRETIME_MS';
            const ms = yield* this.fixed(8);
            expiry = Number(ms.readBigInt64LE(0));
            break;
          }
          case 0xfd: {
            this.context = 'EXPIRETIME';
            const s = yield* this.fixed(4);
            expiry = s.readInt32LE(0) * 1000;
            break;
          }
          case 0xf8:
            this.context = 'IDLE';
            idle = yield* this.length('IDLE');
            break;
          case 0xf9:
            this.context = 'FREQ';
            freq = yield* this.byte();
            break;
          default:
            if (yield* this.fileRecord(op, at)) return;
        }
        continue;
      }
      const kind = TYPES[op];
      if (kind === undefined) {
        throw new RdbFormatError(at, op === 6 ? 'pre-release module value (type 6) is not supported' : `unknown RDB type or opcode 0x${op.toString(16).padStart(2, '0')}`);
      }
      this.context = KEY_CONTEXT[op]!;
      if (sink === undefined || !this.trySinkKey(sink, op, kind, expiry)) {
        let key: Uint8Array;
        if (sink !== undefined && !sink.namesKeys && this.trySkipString()) {
          key = NO_VALUE; // the name is not needed: only counted
        } else {
          const fastKey = this.tryString();
          key = fastKey !== NEED_STRING ? fastKey : yield* this.held('key');
        }
        const valueAt = this.at;
        this.context = VALUE_CONTEXT[op]!;
        this.recordKey = key;
        let value: RdbValue = NO_VALUE;
        let length: number | null;
        // Summary mode, value wholly buffered (the common case): counted without a generator.
        const measured = this.opts.values ? NOT_MEASURED : this.tryMeasure(op);
        if (measured !== NOT_MEASURED) length = measured;
        else [value, length] = yield* this.value(op, valueAt);
        const empty = isEmpty(kind[0], length);
        // The field, not `key`: releaseInput may have replaced it with a copy.
        const name = this.recordKey!;
        if (sink !== undefined) {
          const named = sink.namesKeys ? name : NO_VALUE;
          sink.key(this.db, named, 0, named.length, kind[0], kind[1], expiry, length, empty);
        } else {
          const event: RdbKey = { type: 'key', db: this.db, key: name, valueType: kind[0], encoding: kind[1], expiry, length, bytes: this.at - valueAt, at };
          if (empty) event.empty = true;
          if (idle !== undefined) event.idle = idle;
          if (freq !== undefined) event.freq = freq;
          if (this.opts.values) event.value = value;
          this.out.push(event);
        }
      }
      // The prefixes applied to this key only.
      expiry = null;
      idle = undefined;
      freq = undefined;
    }
  }

  /**
   * A record that is not a key nor one of a key's prefixes: the end, SELECTDB, AUX and the rest.
   * Kept out of `run` so that the per-key loop stays small to compile, and so that meeting the end
   * for the first time does not throw away its optimised code. True at the end of the file.
   */
  private *fileRecord(op: number, at: number): Gen<boolean> {
    switch (op) {
      case 0xff: {
        this.checksumUpTo(this.at);
        const fileBytes = this.at;
        if (this.version < 5) {
          this.emit({ type: 'end', checksum: 'absent', stored: null, computed: null, bytes: fileBytes });
        } else {
          this.context = 'the checksum';
          const stored = yield* this.fixed(8);
          const computed = this.crc.hex();
          const zero = stored.every((b) => b === 0);
          const checksum = zero ? 'disabled' : !this.opts.verifyChecksum ? 'unchecked' : this.crc.matches(stored, 0) ? 'ok' : 'mismatch';
          this.emit({ type: 'end', checksum, stored: storedChecksumHex(stored, 0), computed: this.opts.verifyChecksum ? computed : null, bytes: fileBytes + 8 });
        }
        this.finished = true;
        this.trailing = this.avail;
        this.pos = this.buf.length;
        return true;
      }
      case 0xfe:
        this.context = 'SELECTDB';
        this.db = yield* this.length('SELECTDB');
        this.emit({ type: 'selectdb', db: this.db });
        return false;
      case 0xfb: {
        this.context = 'RESIZEDB';
        const keys = yield* this.length('RESIZEDB');
        const expires = yield* this.length('RESIZEDB');
        this.emit({ type: 'resizedb', db: this.db, keys, expires });
        return false;
      }
      case 0xfa: {
        this.context = 'an AUX field';
        const key = Buffer.from(yield* this.held('AUX key')).toString('utf8');
        const value = yield* this.held(`AUX ${key}`);
        this.emit({ type: 'aux', key, value });
        return false;
      }
      case 0xf7:
        this.context = 'a module AUX record';
        yield* this.moduleAux(at);
        return false;
      case 0xf6:
        throw new RdbFormatError(at, 'pre-release function format (opcode 0xF6, Redis 7.0 RC) is not supported');
      case 0xf5: {
        this.context = 'a function';
        const code = yield* this.held('function library');
        this.emit({ type: 'function', code });
        return false;
      }
      default: {
        // 0xf4, the lowest opcode.
        this.context = 'SLOT_INFO';
        const slot = yield* this.length('SLOT_INFO');
        const keys = yield* this.length('SLOT_INFO');
        const expires = yield* this.length('SLOT_INFO');
        this.emit({ type: 'slot-info', slot, keys, expires });
        return false;
      }
    }
  }

  /**
   * A key record wholly buffered, handed to the sink with its name as a span of the input: no view,
   * no generator. False (nothing consumed) otherwise, for the general path.
   */
  private trySinkKey(sink: RdbSink, op: number, kind: [RdbValueType, string], expiry: number | null): boolean {
    const start = this.pos;
    let nameAt = 0;
    let nameLength = 0;
    if (sink.namesKeys) {
      const n = this.tryLength();
      if (n < 0 || n > this.opts.maxValueBytes || this.pos + n > this.buf.length) {
        this.pos = start;
        return false;
      }
      nameAt = this.pos;
      nameLength = n;
      this.pos += n;
    } else if (!this.trySkipString()) return false;
    const length = this.tryMeasure(op);
    if (length === NOT_MEASURED) {
      this.pos = start;
      return false;
    }
    sink.key(this.db, sink.namesKeys ? this.buf : NO_VALUE, nameAt, nameLength, kind[0], kind[1], expiry, length, isEmpty(kind[0], length));
    return true;
  }

  // ---- values (§7.8) --------------------------------------------------------------------

  private *value(op: number, at: number): Gen<[RdbValue, number | null]> {
    if (!this.opts.values) return [NO_VALUE, yield* this.measure(op, at)];
    switch (op) {
      case 0: {
        const s = yield* this.string('string value');
        return [s, 1];
      }
      case 1:
      case 2: {
        const count = yield* this.length('element count');
        const items = yield* this.strings(count);
        return [items, count];
      }
      case 3:
      case 5:
        return yield* this.zset(op === 5);
      case 4:
        return yield* this.hashTable();
      case 7: {
        const module = yield* this.moduleValue(at, op);
        return [module, 1];
      }
      case 9:
        return this.pairs(yield* this.blob('zipmap', at, decodeZipmap));
      case 10:
      case 11:
      case 20: {
        const items = yield* this.blob(op === 11 ? 'intset' : op === 10 ? 'ziplist' : 'listpack', at, op === 11 ? decodeIntset : op === 10 ? decodeZiplist : decodeListpack);
        return [items, items.length];
      }
      case 12:
      case 17:
        return this.scores(yield* this.blob(op === 12 ? 'ziplist' : 'listpack', at, op === 12 ? decodeZiplist : decodeListpack), at);
      case 13:
      case 16:
        return this.pairs(yield* this.blob(op === 13 ? 'ziplist' : 'listpack', at, op === 13 ? decodeZiplist : decodeListpack), at);
      case 14:
      case 18:
        return yield* this.quicklist(op === 18, at);
      case 15:
      case 19:
      case 21: {
        const stream = yield* this.stream(op === 15 ? 1 : op === 19 ? 2 : 3);
        return [stream, stream.length];
      }
      case 22:
      case 24:
        return yield* this.hashMetadata(op === 24);
      case 23:
      case 25:
        return yield* this.hashListpackEx(op === 25, at);
    }
    throw new RdbFormatError(at, `type ${op} has no decoder`);
  }

  /**
   * Summary mode: walks a value to its end and counts its elements without making them. Blobs get
   * header checks (as Redis does when it loads with sanitize-dump-payload off); an LZF-compressed
   * blob is skipped uncounted (null), since decompressing is most of the cost and the CRC covers it.
   */
  private *measure(op: number, at: number): Gen<number | null> {
    switch (op) {
      case 0:
        if (!this.trySkipString()) yield* this.skipString('string value');
        return 1;
      case 1:
      case 2: {
        const count = yield* this.length('element count');
        yield* this.strings(count);
        return count;
      }
      case 3:
      case 5:
        return (yield* this.zset(op === 5))[1];
      case 4:
        return (yield* this.hashTable())[1];
      case 7:
        yield* this.moduleValue(at, op);
        return 1;
      case 9:
        return yield* this.blobCount('zipmap', countZipmap);
      case 10:
        return yield* this.blobCount('ziplist', countZiplist);
      case 11:
        return yield* this.blobCount('intset', countIntset);
      case 20:
        return yield* this.blobCount('listpack', countListpack);
      case 12:
      case 13: {
        const n = yield* this.blobCount('ziplist', countZiplist);
        return n === null ? null : n / 2;
      }
      case 16:
      case 17: {
        const n = yield* this.blobCount('listpack', countListpack);
        return n === null ? null : n / 2;
      }
      case 14:
      case 18: {
        const nodes = yield* this.length('quicklist node count');
        let total: number | null = 0;
        for (let k = 0; k < nodes; k++) {
          if (op === 18 && (yield* this.length('quicklist container')) === 1) {
            if (!this.trySkipString()) yield* this.skipString('quicklist plain node');
            if (total !== null) total += 1;
            continue;
          }
          const n = yield* this.blobCount(op === 18 ? 'listpack' : 'ziplist', op === 18 ? countListpack : countZiplist);
          total = total === null || n === null ? null : total + n;
        }
        return total;
      }
      case 15:
      case 19:
      case 21:
        return (yield* this.stream(op === 15 ? 1 : op === 19 ? 2 : 3)).length;
      case 22:
      case 24:
        return (yield* this.hashMetadata(op === 24))[1];
      case 23:
      case 25: {
        if (op === 25) yield* this.advance(8);
        const n = yield* this.blobCount('listpack', countListpack);
        return n === null ? null : n / 3;
      }
    }
    throw new RdbFormatError(at, `type ${op} has no decoder`);
  }

  /**
   * `measure` for a value wholly in the buffer, without generators: the element count (null for an
   * LZF blob), or NOT_MEASURED with nothing consumed when any part of it is not here yet.
   */
  private tryMeasure(op: number): number | null {
    const start = this.pos;
    let result: number | null = NOT_MEASURED;
    switch (op) {
      case 0:
        if (this.trySkipString()) result = 1;
        break;
      case 1:
      case 2: {
        const n = this.tryCount();
        if (n >= 0 && this.trySkipStrings(n)) result = n;
        break;
      }
      case 4: {
        const n = this.tryCount();
        if (n >= 0 && this.trySkipStrings(2 * n)) result = n;
        break;
      }
      case 3:
      case 5: {
        const n = this.tryCount();
        if (n < 0) break;
        let k = 0;
        for (; k < n; k++) {
          if (!this.trySkipString()) break;
          if (op === 5) {
            if (this.pos + 8 > this.buf.length) break;
            this.pos += 8;
          } else {
            if (this.pos >= this.buf.length) break;
            const len = this.buf[this.pos]!;
            const width = len >= 253 ? 1 : 1 + len;
            if (this.pos + width > this.buf.length) break;
            this.pos += width;
          }
        }
        if (k === n) result = n;
        break;
      }
      case 9:
      case 10:
      case 11:
      case 12:
      case 13:
      case 16:
      case 17:
      case 20: {
        const n = this.tryBlobCount(op);
        if (n !== NOT_MEASURED) result = n === null ? null : op === 12 || op === 13 || op === 16 || op === 17 ? n / 2 : n;
        break;
      }
    }
    if (result === NOT_MEASURED) this.pos = start;
    return result;
  }

  /** A length that is wholly buffered, or NEED. */
  private tryCount(): number {
    const n = this.tryLength();
    return n === SPECIAL ? NEED : n;
  }

  private trySkipStrings(n: number): boolean {
    for (let k = 0; k < n; k++) if (!this.trySkipString()) return false;
    return true;
  }

  private tryBlobCount(op: number): number | null {
    if (this.pos >= this.buf.length) return NOT_MEASURED;
    if (this.buf[this.pos] === 0xc3) return this.trySkipString() ? null : NOT_MEASURED;
    const blobAt = this.at;
    const blob = this.tryString();
    if (blob === NEED_STRING) return NOT_MEASURED;
    const [what, counter] = op === 9 ? ['zipmap', countZipmap] : op === 11 ? ['intset', countIntset] : op === 10 || op === 12 || op === 13 ? ['ziplist', countZiplist] : ['listpack', countListpack];
    try {
      return (counter as (b: Uint8Array) => number)(blob);
    } catch (error) {
      if (error instanceof BlobError) throw new RdbFormatError(blobAt, `${what} integrity check failed at byte ${error.at} of the ${blob.length}-byte blob: ${error.reason}`);
      throw error;
    }
  }

  private *blobCount(what: string, count: (blob: Uint8Array) => number): Gen<number | null> {
    if (this.avail < 1) yield* this.need(1);
    if (this.buf[this.pos] === 0xc3) {
      yield* this.skipString(what);
      return null;
    }
    const blobAt = this.at;
    const blob = yield* this.string(what);
    if (!(blob instanceof Uint8Array)) return null;
    try {
      return count(blob);
    } catch (error) {
      if (error instanceof BlobError) throw new RdbFormatError(blobAt, `${what} integrity check failed at byte ${error.at} of the ${blob.length}-byte blob: ${error.reason}`);
      throw error;
    }
  }

  private *strings(count: number): Gen<Uint8Array[]> {
    const items: Uint8Array[] = [];
    if (!this.opts.values) {
      for (let k = 0; k < count; k++) if (!this.trySkipString()) yield* this.skipString('element');
      return items;
    }
    for (let k = 0; k < count; k++) {
      const fast = this.tryString();
      items.push(fast !== NEED_STRING ? fast : ((yield* this.string('element')) as Uint8Array));
    }
    return items;
  }

  private *zset(binary: boolean): Gen<[ZsetEntry[], number]> {
    const count = yield* this.length('sorted set size');
    const entries: ZsetEntry[] = [];
    for (let k = 0; k < count; k++) {
      if (!this.opts.values) {
        if (!this.trySkipString()) yield* this.skipString('sorted set member');
        if (binary) yield* this.advance(8);
        else {
          const n = yield* this.byte();
          if (n < 253) yield* this.advance(n);
        }
        continue;
      }
      const member = (yield* this.string('sorted set member')) as Uint8Array;
      let score: number;
      if (binary) {
        score = (yield* this.fixed(8)).readDoubleLE(0);
      } else {
        const n = yield* this.byte();
        score = n === 253 ? NaN : n === 254 ? Infinity : n === 255 ? -Infinity : Number((yield* this.fixed(n)).toString('latin1'));
      }
      entries.push({ member, score });
    }
    return [entries, count];
  }

  private *hashTable(): Gen<[HashEntry[], number]> {
    const count = yield* this.length('hash size');
    const entries: HashEntry[] = [];
    for (let k = 0; k < count; k++) {
      if (!this.opts.values) {
        if (!this.trySkipString()) yield* this.skipString('hash field');
        if (!this.trySkipString()) yield* this.skipString('hash value');
        continue;
      }
      const field = (yield* this.string('hash field')) as Uint8Array;
      const value = (yield* this.string('hash value')) as Uint8Array;
      entries.push({ field, value });
    }
    return [entries, count];
  }

  /** Reads a blob string and decodes it; an oversized blob is reported, not decoded. */
  private *blob(what: string, at: number, decode: (blob: Uint8Array) => Element[]): Gen<Element[]> {
    const blobAt = this.at;
    const blob = yield* this.string(what);
    if (!(blob instanceof Uint8Array)) throw new RdbFormatError(at, `${what} of ${blob.bytes} bytes is over the ${this.opts.maxValueBytes}-byte limit (--max-value-bytes)`);
    try {
      return decode(blob);
    } catch (error) {
      if (error instanceof BlobError) throw new RdbFormatError(blobAt, `${what} integrity check failed at byte ${error.at} of the ${blob.length}-byte blob: ${error.reason}`);
      throw error;
    }
  }

  private pairs(items: Element[], at = 0): [HashEntry[], number] {
    if (items.length % 2 !== 0) throw new RdbFormatError(at, `hash encoding holds an odd number of elements (${items.length})`);
    const entries: HashEntry[] = [];
    for (let k = 0; k < items.length; k += 2) entries.push({ field: items[k]!, value: items[k + 1]! });
    return [entries, entries.length];
  }

  private scores(items: Element[], at: number): [ZsetEntry[], number] {
    if (items.length % 2 !== 0) throw new RdbFormatError(at, `sorted set encoding holds an odd number of elements (${items.length})`);
    const entries: ZsetEntry[] = [];
    for (let k = 0; k < items.length; k += 2) entries.push({ member: items[k]!, score: parseScore(items[k + 1]!) });
    return [entries, entries.length];
  }

  private *quicklist(v2: boolean, at: number): Gen<[Element[], number]> {
    const nodes = yield* this.length('quicklist node count');
    const items: Element[] = [];
    for (let k = 0; k < nodes; k++) {
      if (v2) {
        const container = yield* this.length('quicklist container');
        if (container === 1) {
          items.push((yield* this.string('quicklist plain node')) as Uint8Array);
          continue;
        }
        if (container !== 2) throw new RdbFormatError(this.at - 1, `quicklist node container ${container} (expected 1 plain or 2 packed)`);
        const node = yield* this.blob('listpack', at, decodeListpack);
        if (node.length === 0) throw new RdbFormatError(this.at, 'empty listpack in a quicklist node');
        for (const e of node) items.push(e);
      } else {
        const node = yield* this.blob('ziplist', at, decodeZiplist);
        for (const e of node) items.push(e);
      }
    }
    return [items, items.length];
  }

  private *hashMetadata(ga: boolean): Gen<[HashEntry[], number]> {
    const minExpire = ga ? Number((yield* this.fixed(8)).readBigInt64LE(0)) : 0;
    const count = yield* this.length('hash size');
    const entries: HashEntry[] = [];
    for (let k = 0; k < count; k++) {
      const ttl = yield* this.length('hash field expiry');
      const field = (yield* this.string('hash field')) as Uint8Array;
      const value = (yield* this.string('hash value')) as Uint8Array;
      const entry: HashEntry = { field, value };
      if (ttl !== 0) entry.expiry = ga ? ttl + minExpire - 1 : ttl;
      entries.push(entry);
    }
    return [entries, count];
  }

  private *hashListpackEx(ga: boolean, at: number): Gen<[HashEntry[], number]> {
    if (ga) yield* this.fixed(8);
    const items = yield* this.blob('listpack', at, decodeListpack);
    if (items.length % 3 !== 0) throw new RdbFormatError(at, `hash listpack with field TTLs holds ${items.length} elements, not a multiple of 3`);
    const entries: HashEntry[] = [];
    for (let k = 0; k < items.length; k += 3) {
      const entry: HashEntry = { field: items[k]!, value: items[k + 1]! };
      const expiry = Number(Buffer.from(items[k + 2]!).toString('latin1'));
      if (expiry !== 0) entry.expiry = expiry;
      entries.push(entry);
    }
    return [entries, entries.length];
  }

  // ---- streams (§7.9) -------------------------------------------------------------------

  private *streamId(): Gen<string> {
    const ms = yield* this.length64('stream id');
    const seq = yield* this.length64('stream id');
    return `${ms}-${seq}`;
  }

  private *stream(version: 1 | 2 | 3): Gen<StreamValue> {
    const nodes = yield* this.length('stream node count');
    const entries: StreamValue['entries'] = [];
    for (let k = 0; k < nodes; k++) {
      const keyAt = this.at;
      const nodeKey = yield* this.held('stream node key');
      if (nodeKey.length !== 16) throw new RdbFormatError(keyAt, `stream node key of ${nodeKey.length} bytes (expected 16)`);
      const key = Buffer.from(nodeKey);
      const baseMs = key.readBigUInt64BE(0);
      const baseSeq = key.readBigUInt64BE(8);
      if (!this.opts.values) {
        yield* this.blobCount('stream listpack', countListpack);
        continue;
      }
      const items = yield* this.blob('stream listpack', keyAt, decodeListpack);
      if (items.length === 0) throw new RdbFormatError(keyAt, 'empty stream listpack');
      decodeStreamNode(items, baseMs, baseSeq, entries, keyAt);
    }
    const length = yield* this.length('stream length');
    const lastId = yield* this.streamId();
    const value: StreamValue = { entries, length, lastId, groups: [] };
    if (version >= 2) {
      value.firstId = yield* this.streamId();
      value.maxDeletedId = yield* this.streamId();
      value.entriesAdded = Number(yield* this.length64('stream entries added'));
    }
    const groups = yield* this.length('stream group count');
    for (let g = 0; g < groups; g++) {
      const name = yield* this.held('consumer group name');
      const lastId = yield* this.streamId();
      const group: StreamGroup = { name, lastId, pending: [], consumers: [] };
      // -1 ("unknown", e.g. a group created at $) is saved as its 64-bit two's complement.
      if (version >= 2) group.entriesRead = Number(BigInt.asIntN(64, yield* this.length64('entries read')));
      const pel = yield* this.length('pending entries');
      for (let p = 0; p < pel; p++) {
        const raw = yield* this.fixed(16);
        const id = `${raw.readBigUInt64BE(0)}-${raw.readBigUInt64BE(8)}`;
        const deliveryTime = Number((yield* this.fixed(8)).readBigInt64LE(0));
        const deliveryCount = yield* this.length('delivery count');
        group.pending.push({ id, deliveryTime, deliveryCount });
      }
      const consumers = yield* this.length('consumer count');
      for (let c = 0; c < consumers; c++) {
        const cname = yield* this.held('consumer name');
        const seenTime = Number((yield* this.fixed(8)).readBigInt64LE(0));
        const consumer: StreamGroup['consumers'][number] = { name: cname, seenTime, pending: [] };
        if (version >= 3) consumer.activeTime = Number((yield* this.fixed(8)).readBigInt64LE(0));
        const owned = yield* this.length('consumer pending entries');
        for (let p = 0; p < owned; p++) {
          const raw = yield* this.fixed(16);
          consumer.pending.push(`${raw.readBigUInt64BE(0)}-${raw.readBigUInt64BE(8)}`);
        }
        group.consumers.push(consumer);
      }
      value.groups.push(group);
    }
    return value;
  }

  // ---- modules (§7.10) ------------------------------------------------------------------

  /** Walks a module's opcode stream to its EOF (the way redis-check-rdb skips values it cannot load). */
  private *moduleBody(): Gen<void> {
    for (;;) {
      const at = this.at;
      const opcode = yield* this.length('module opcode');
      switch (opcode) {
        case 0:
          return;
        case 1:
        case 2:
          yield* this.length64('module integer');
          break;
        case 3:
          yield* this.fixed(4);
          break;
        case 4:
          yield* this.fixed(8);
          break;
        case 5:
          yield* this.string('module string');
          break;
        default:
          throw new RdbFormatError(at, `unknown module opcode ${opcode}`);
      }
    }
  }

  /**
   * A module value, skipped through its opcodes. With values on, its serialised form is kept as
   * DUMP would give it (the type byte, the module id, the body) up to the value cap, else its digest.
   */
  private *moduleValue(at: number, op: number): Gen<ModuleValue> {
    if (this.opts.values) {
      const typeByte = Buffer.from([op]);
      this.capture = { at: this.at, parts: [typeByte], bytes: 1, hash: createHash('sha256').update(typeByte) };
    }
    try {
      const id = yield* this.length64('module id');
      const { name, version } = moduleName(id);
      const start = this.at;
      if (this.version < 8) throw new RdbFormatError(at, 'module value in an RDB older than version 8');
      yield* this.moduleBody();
      const value: ModuleValue = { module: name, version, bytes: this.at - start };
      const c = this.capture;
      if (c !== null) {
        this.captureUpTo(this.at);
        if (c.bytes <= this.opts.maxValueBytes) value.raw = Buffer.concat(c.parts);
        else value.sha256 = c.hash.digest('hex');
      }
      return value;
    } finally {
      this.capture = null;
    }
  }

  private *moduleAux(at: number): Gen<void> {
    const id = yield* this.length64('module id');
    const { name, version } = moduleName(id);
    const whenOpcode = yield* this.length('module aux');
    if (whenOpcode !== 2) throw new RdbFormatError(at, `module AUX record for ${name}: expected the 'when' field (opcode 2), found opcode ${whenOpcode}`);
    const when = yield* this.length('module aux when');
    const start = this.at;
    yield* this.moduleBody();
    this.emit({ type: 'module-aux', module: name, version, when, bytes: this.at - start });
  }
}

function parseScore(text: Uint8Array): number {
  const s = Buffer.from(text).toString('latin1');
  if (s === 'inf' || s === '+inf') return Infinity;
  if (s === '-inf') return -Infinity;
  return Number(s);
}

/** Entries of one stream node listpack (§7.9): master entry, then entries relative to it. */
function decodeStreamNode(items: Element[], baseMs: bigint, baseSeq: bigint, entries: StreamValue['entries'], at: number): void {
  const int = (k: number): number => {
    const e = items[k];
    if (e === undefined) throw new RdbFormatError(at, 'stream listpack ends inside an entry');
    const n = Number(Buffer.from(e).toString('latin1'));
    if (!Number.isFinite(n)) throw new RdbFormatError(at, `stream listpack: expected an integer at element ${k}`);
    return n;
  };
  const count = int(0);
  const deleted = int(1);
  const masterFields = int(2);
  const fields = items.slice(3, 3 + masterFields);
  let k = 3 + masterFields;
  if (int(k) !== 0) throw new RdbFormatError(at, 'stream listpack: master entry not terminated by 0');
  k++;
  for (let e = 0; e < count + deleted; e++) {
    const flags = int(k++);
    const ms = baseMs + BigInt(int(k++));
    const seq = baseSeq + BigInt(int(k++));
    let pairs: Uint8Array[];
    if (flags & 2) {
      pairs = [];
      for (let f = 0; f < masterFields; f++) pairs.push(fields[f]!, items[k++]!);
    } else {
      const n = int(k++);
      pairs = items.slice(k, k + 2 * n);
      k += 2 * n;
    }
    k++; // lp-count
    if (k > items.length) throw new RdbFormatError(at, 'stream listpack ends inside an entry');
    if ((flags & 1) === 0) entries.push({ id: `${ms}-${seq}`, fields: pairs });
  }
}
