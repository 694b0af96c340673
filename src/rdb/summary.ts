import type { RdbChecksum, RdbEvent } from './events.js';

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

export class RdbSummaryBuilder {
  /** Counts per type then per encoding; `summary.encodings` is filled from it when read. */
  private readonly byEncoding: Record<string, Record<string, number>> = {};

  get summary(): RdbSummary {
    const s = this.current;
    s.encodings = {};
    for (const [type, encodings] of Object.entries(this.byEncoding)) for (const [encoding, n] of Object.entries(encodings)) s.encodings[`${type}/${encoding}`] = n;
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

  /** Counts one key (also called by the decoder directly when it emits no key events). */
  addKey(dbNumber: number, valueType: string, encoding: string, hasExpiry: boolean, empty: boolean): void {
    const s = this.current;
    s.keys++;
    const db = (s.dbs[dbNumber] ??= { keys: 0, expires: 0, types: {} });
    db.keys++;
    db.types[valueType] = (db.types[valueType] ?? 0) + 1;
    if (hasExpiry) {
      s.expires++;
      db.expires++;
    }
    if (empty) s.emptyKeys++;
    s.types[valueType] = (s.types[valueType] ?? 0) + 1;
    const encodings = (this.byEncoding[valueType] ??= {});
    encodings[encoding] = (encodings[encoding] ?? 0) + 1;
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
