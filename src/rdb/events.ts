/** Value types as Redis names them (`TYPE key`). */
export type RdbValueType = 'string' | 'list' | 'set' | 'zset' | 'hash' | 'stream' | 'module';

/** A value too large to hold (over `maxValueBytes`): its size and a digest instead of its bytes. */
export interface Oversized {
  oversized: true;
  bytes: number;
  sha256: string;
}

export interface ZsetEntry {
  member: Uint8Array;
  score: number;
}

export interface HashEntry {
  field: Uint8Array;
  value: Uint8Array;
  /** Absolute expiry in epoch ms (Redis 7.4+ hash field TTLs), when the field has one. */
  expiry?: number;
}

export interface StreamEntry {
  id: string;
  fields: Uint8Array[];
}

export interface StreamGroup {
  name: Uint8Array;
  lastId: string;
  entriesRead?: number;
  pending: { id: string; deliveryTime: number; deliveryCount: number }[];
  consumers: { name: Uint8Array; seenTime: number; activeTime?: number; pending: string[] }[];
}

export interface StreamValue {
  entries: StreamEntry[];
  length: number;
  lastId: string;
  firstId?: string;
  maxDeletedId?: string;
  entriesAdded?: number;
  groups: StreamGroup[];
}

export interface ModuleValue {
  module: string;
  version: number;
  /** Bytes of the module's serialised value (opcodes included). */
  bytes: number;
  /** With values decoded: the value as DUMP serialises it (type byte, module id, body)... */
  raw?: Uint8Array;
  /** ... or, above the value cap, the SHA-256 of those bytes. */
  sha256?: string;
}

export type RdbValue = Uint8Array | Oversized | Uint8Array[] | ZsetEntry[] | HashEntry[] | StreamValue | ModuleValue;

export interface RdbKey {
  type: 'key';
  db: number;
  key: Uint8Array;
  valueType: RdbValueType;
  /** The RDB encoding: string, linkedlist, ziplist, quicklist, quicklist2, listpack, intset, hashtable, skiplist, zipmap, ... */
  encoding: string;
  /** Absolute expiry in epoch ms, or null. */
  expiry: number | null;
  idle?: number;
  freq?: number;
  /**
   * Elements in the value (1 for strings); null when not counted: in summary mode an LZF-compressed
   * blob (ziplist, listpack, intset) is skipped undecoded.
   */
  length: number | null;
  /** An empty collection: Redis skips such keys when it loads the file. */
  empty?: true;
  /** Bytes the value takes in the file. */
  bytes: number;
  /** Byte offset in the file where the key's record starts. */
  at: number;
  /** Present when the decoder was asked for values. */
  value?: RdbValue;
}

export type RdbEvent =
  | { type: 'header'; format: 'redis' | 'valkey'; version: number }
  | { type: 'aux'; key: string; value: Uint8Array }
  | { type: 'selectdb'; db: number }
  | { type: 'resizedb'; db: number; keys: number; expires: number }
  | { type: 'slot-info'; slot: number; keys: number; expires: number }
  | { type: 'function'; code: Uint8Array }
  | { type: 'module-aux'; module: string; version: number; when: number; bytes: number }
  | RdbKey
  | { type: 'end'; checksum: RdbChecksum; stored: string | null; computed: string | null; bytes: number };

/** `unchecked`: the trailer was read but not compared (the tap leaves that to the replica). */
export type RdbChecksum = 'ok' | 'mismatch' | 'disabled' | 'absent' | 'unchecked';
