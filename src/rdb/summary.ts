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
      case 'key': {
        s.keys++;
        const db = (s.dbs[event.db] ??= { keys: 0, expires: 0, types: {} });
        db.keys++;
        db.types[event.valueType] = (db.types[event.valueType] ?? 0) + 1;
        if (event.expiry !== null) {
          s.expires++;
          db.expires++;
        }
        if (event.empty) s.emptyKeys++;
        s.types[event.valueType] = (s.types[event.valueType] ?? 0) + 1;
        const encodings = (this.byEncoding[event.valueType] ??= {});
        encodings[event.encoding] = (encodings[event.encoding] ?? 0) + 1;
        break;
      }
      case 'end':
        s.checksum = event.checksum;
        s.storedChecksum = event.stored;
        s.computedChecksum = event.computed;
        s.bytes = event.bytes;
        break;
    }
  }
}
