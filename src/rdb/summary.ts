import type { RdbChecksum, RdbEvent, RdbValueType } from './events.js';
import type { RdbSink } from './sink.js';

export interface RdbDbSummary {
  keys: number;
  expires: number;
  types: Record<string, number>;
}

/** What `repltap rdb --json --summary` prints, built from the decoder's events. */
export interface RdbSummary {
  format: 'redis' | 'valkey' | null;
  rdbVersion: number | null;
  keys: number;
  expires: number;
  /** Keys with an empty collection (Redis skips them on load). */
  emptyKeys: number;
  dbs: Record<string, RdbDbSummary>;
  types: Record<string, number>;
  /** Count per `type/encoding`. */
  encodings: Record<string, number>;
  aux: Record<string, string>;
  functions: number;
  moduleAux: { module: string; when: number; bytes: number }[];
  slotInfo: number;
  checksum: RdbChecksum | null;
  storedChecksum: string | null;
  computedChecksum: string | null;
  bytes: number | null;
}

/** Keys counted of one database, type and encoding. */
interface KeyCount {
  db: number;
  valueType: string;
  encoding: string;
  keys: number;
  expires: number;
  empty: number;
}

/** Builds the summary from the decoder's events, or as its sink (keys counted without their names). */
export class RdbSummaryBuilder implements RdbSink {
  readonly namesKeys = false;

  /**
   * Key counts, one per database, type and encoding, in the order first seen; the summary's totals
   * are made from them when read. A key costs a few comparisons with the last count used, where
   * updating the summary's records by name cost as much as decoding the key.
   */
  private readonly counts: KeyCount[] = [];
  private last: KeyCount | null = null;

  get summary(): RdbSummary {
    const s = this.current;
    s.keys = 0;
    s.expires = 0;
    s.emptyKeys = 0;
    s.dbs = {};
    s.types = {};
    const byEncoding: Record<string, Record<string, number>> = {};
    for (const c of this.counts) {
      s.keys += c.keys;
      s.expires += c.expires;
      s.emptyKeys += c.empty;
      const db = (s.dbs[c.db] ??= { keys: 0, expires: 0, types: {} });
      db.keys += c.keys;
      db.expires += c.expires;
      db.types[c.valueType] = (db.types[c.valueType] ?? 0) + c.keys;
      s.types[c.valueType] = (s.types[c.valueType] ?? 0) + c.keys;
      const encodings = (byEncoding[c.valueType] ??= {});
      encodings[c.encoding] = (encodings[c.encoding] ?? 0) + c.keys;
    }
    s.encodings = {};
    for (const [type, encodings] of Object.entries(byEncoding)) for (const [encoding, n] of Object.entries(encodings)) s.encodings[`${type}/${encoding}`] = n;
    return s;
  }

  private readonly current: RdbSummary = {
    format: null,
    rdbVersion: null,
    keys: 0,
    expires: 0,
    emptyKeys: 0,
    dbs: {},
    types: {},
    encodings: {},
    aux: {},
    functions: 0,
    moduleAux: [],
    slotInfo: 0,
    checksum: null,
    storedChecksum: null,
    computedChecksum: null,
    bytes: null,
  };

  key(db: number, _name: Uint8Array, _nameAt: number, _nameLength: number, valueType: RdbValueType, encoding: string, expiry: number | null, _length: number | null, empty: boolean): void {
    this.addKey(db, valueType, encoding, expiry !== null, empty);
  }

  event(event: RdbEvent): void {
    this.add(event);
  }

  /** Counts one key. */
  addKey(db: number, valueType: string, encoding: string, hasExpiry: boolean, empty: boolean): void {
    let count = this.last;
    if (count === null || count.db !== db || count.valueType !== valueType || count.encoding !== encoding) count = this.last = this.countOf(db, valueType, encoding);
    count.keys++;
    if (hasExpiry) count.expires++;
    if (empty) count.empty++;
  }

  private countOf(db: number, valueType: string, encoding: string): KeyCount {
    for (const count of this.counts) if (count.db === db && count.valueType === valueType && count.encoding === encoding) return count;
    const count: KeyCount = { db, valueType, encoding, keys: 0, expires: 0, empty: 0 };
    this.counts.push(count);
    return count;
  }

  add(event: RdbEvent): void {
    const s = this.current;
    switch (event.type) {
      case 'header':
        s.format = event.format;
        s.rdbVersion = event.version;
        break;
      case 'aux':
        s.aux[event.key] = Buffer.from(event.value).toString('utf8');
        break;
      case 'function':
        s.functions++;
        break;
      case 'module-aux':
        s.moduleAux.push({ module: event.module, when: event.when, bytes: event.bytes });
        break;
      case 'slot-info':
        s.slotInfo++;
        break;
      case 'key':
        this.addKey(event.db, event.valueType, event.encoding, event.expiry !== null, event.empty === true);
        break;
      case 'end':
        s.checksum = event.checksum;
        s.storedChecksum = event.stored;
        s.computedChecksum = event.computed;
        s.bytes = event.bytes;
        break;
    }
  }

  /** The checksum was computed elsewhere (in a worker, over the same bytes): judge the stored one by it. */
  settleChecksum(computed: string): void {
    const s = this.summary;
    if (s.checksum !== 'unchecked') return;
    s.computedChecksum = computed;
    s.checksum = computed === s.storedChecksum ? 'ok' : 'mismatch';
  }
}
