import type { RdbKey, RdbValue, StreamValue } from '../rdb/events.js';
import { bytesToJson } from './json-line.js';

type Json = string | number | boolean | null | Json[] | { [key: string]: Json };

function score(n: number): number | string {
  return Number.isFinite(n) ? n : Number.isNaN(n) ? 'nan' : n > 0 ? 'inf' : '-inf';
}

function stream(v: StreamValue): Json {
  const out: { [key: string]: Json } = {
    length: v.length,
    lastId: v.lastId,
    entries: v.entries.map((e) => ({ id: e.id, fields: e.fields.map(bytesToJson) })),
    groups: v.groups.map((g) => ({
      name: bytesToJson(g.name),
      lastId: g.lastId,
      ...(g.entriesRead === undefined ? {} : { entriesRead: g.entriesRead }),
      pending: g.pending.map((p) => ({ ...p })),
      consumers: g.consumers.map((c) => ({ name: bytesToJson(c.name), seenTime: c.seenTime, ...(c.activeTime === undefined ? {} : { activeTime: c.activeTime }), pending: c.pending })),
    })),
  };
  if (v.firstId !== undefined) out.firstId = v.firstId;
  if (v.maxDeletedId !== undefined) out.maxDeletedId = v.maxDeletedId;
  if (v.entriesAdded !== undefined) out.entriesAdded = v.entriesAdded;
  return out;
}

/** A decoded value as JSON; strings that are not UTF-8 become `{ "base64": ... }`. */
export function valueToJson(key: RdbKey, value: RdbValue): Json {
  if (value instanceof Uint8Array) return bytesToJson(value);
  if (!Array.isArray(value)) {
    if ('oversized' in value) return { oversized: true, bytes: value.bytes, sha256: value.sha256 };
    if ('module' in value) {
      const out: { [key: string]: Json } = { module: value.module, version: value.version, bytes: value.bytes };
      if (value.raw !== undefined) out.raw = bytesToJson(value.raw);
      if (value.sha256 !== undefined) out.sha256 = value.sha256;
      return out;
    }
    return stream(value);
  }
  if (key.valueType === 'zset') return (value as { member: Uint8Array; score: number }[]).map((e) => ({ member: bytesToJson(e.member), score: score(e.score) }));
  if (key.valueType === 'hash') {
    return (value as { field: Uint8Array; value: Uint8Array; expiry?: number }[]).map((e) => {
      const entry: { [name: string]: Json } = { field: bytesToJson(e.field), value: bytesToJson(e.value) };
      if (e.expiry !== undefined) entry.expiry = e.expiry;
      return entry;
    });
  }
  return (value as Uint8Array[]).map(bytesToJson);
}

export function keyToJson(key: RdbKey): string {
  const out: { [name: string]: Json } = { db: key.db, key: bytesToJson(key.key), type: key.valueType, encoding: key.encoding, expiry: key.expiry };
  if (key.idle !== undefined) out.idle = key.idle;
  if (key.freq !== undefined) out.freq = key.freq;
  if (key.empty) out.empty = true;
  out.length = key.length;
  if (key.value !== undefined) out.value = valueToJson(key, key.value);
  return JSON.stringify(out);
}
