import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { RdbEvent, RdbKey } from '../../src/rdb/events.js';
import { RdbFormatError } from '../../src/rdb/errors.js';
import { RdbDecoder } from '../../src/rdb/rdb-decoder.js';

export const CORPUS = join(import.meta.dirname, '..', '..', '..', 'shared', 'rdb-corpus');

export interface ManifestRow {
  file: string;
  rdbVersion: string;
  check: string;
  keysRead: number;
  keysInFile: number;
  expected: string[];
}

export function manifest(): ManifestRow[] {
  return readFileSync(join(CORPUS, 'MANIFEST.tsv'), 'utf8')
    .trim()
    .split('\n')
    .slice(1)
    .map((line) => {
      const f = line.split('\t');
      return { file: f[0]!, rdbVersion: f[2]!, check: f[3]!, keysRead: Number(f[4]), keysInFile: Number(f[5]), expected: f[9] === '-' ? [] : f[9]!.split(';') };
    });
}

export function decodeFile(path: string, chunk = 1 << 20, values = true): { events: RdbEvent[]; error: Error | null } {
  const bytes = readFileSync(path);
  const decoder = new RdbDecoder({ values });
  const events: RdbEvent[] = [];
  try {
    for (let at = 0; at < bytes.length; at += chunk) events.push(...decoder.feed(bytes.subarray(at, at + chunk)));
    events.push(...decoder.end());
    return { events, error: null };
  } catch (error) {
    if (error instanceof RdbFormatError) events.push(...error.events);
    return { events, error: error as Error };
  }
}

/** A value in a form both our decoder and the projects' expected JSON can be brought to. */
export type Canonical = { type: string; value: unknown };

const text = (b: Uint8Array): string => Buffer.from(b).toString('utf8');

function scoreOf(v: unknown): number {
  if (typeof v === 'number') return v;
  const s = String(v);
  return s === 'inf' || s === '+inf' ? Infinity : s === '-inf' ? -Infinity : Number(s);
}

export function canonicalOf(key: RdbKey): Canonical {
  const v = key.value!;
  switch (key.valueType) {
    case 'string':
      return { type: 'string', value: text(v as Uint8Array) };
    case 'list':
      return { type: 'list', value: (v as Uint8Array[]).map(text) };
    case 'set':
      return { type: 'set', value: (v as Uint8Array[]).map(text).sort() };
    case 'hash':
      return { type: 'hash', value: (v as { field: Uint8Array; value: Uint8Array }[]).map((e) => `${text(e.field)}=${text(e.value)}`).sort() };
    case 'zset':
      return { type: 'zset', value: (v as { member: Uint8Array; score: number }[]).map((e) => `${text(e.member)}=${e.score}`).sort() };
    case 'stream':
      return { type: 'stream', value: (v as { entries: { id: string; fields: Uint8Array[] }[] }).entries.map((e) => `${e.id}:${e.fields.map(text).join(',')}`) };
    default:
      return { type: key.valueType, value: null };
  }
}

/** HDT3213/rdb's expected JSON: an array of keys. */
export function canonicalFromHdt(entry: Record<string, unknown>): Canonical | null {
  const type = entry.type as string;
  switch (type) {
    case 'string':
      return { type, value: entry.value };
    case 'list':
      return { type, value: entry.values };
    case 'set':
      return { type, value: [...(entry.members as string[])].sort() };
    case 'hash':
      return { type, value: Object.entries(entry.hash as Record<string, string>).map(([f, v]) => `${f}=${v}`).sort() };
    case 'zset':
      return { type, value: (entry.entries as { member: string; score: unknown }[]).map((e) => `${e.member}=${scoreOf(e.score)}`).sort() };
    case 'stream': {
      const nodes = entry.entries as { msgs: { id: string; fields: Record<string, string>; deleted: boolean }[] }[];
      return { type, value: nodes.flatMap((n) => n.msgs.filter((m) => !m.deleted).map((m) => `${m.id}:${Object.entries(m.fields).flat().join(',')}`)) };
    }
    default:
      return null;
  }
}

/** redis/librdb's expected `*_data.json` fragment: `"key": value` pairs (or an array of them per db). */
export function canonicalFromLibrdb(value: unknown, type: string): Canonical | null {
  if (typeof value === 'string') return type === 'module' ? null : { type: 'string', value };
  if (Array.isArray(value)) return type === 'set' ? { type, value: [...(value as string[])].sort() } : { type: 'list', value };
  const object = value as Record<string, unknown>;
  if (type === 'stream') {
    const entries = object.entries as { id: string; items: Record<string, string> }[];
    return { type, value: entries.map((e) => `${e.id}:${Object.entries(e.items).flat().join(',')}`) };
  }
  if (type === 'zset') return { type, value: Object.entries(object).map(([m, s]) => `${m}=${scoreOf(s)}`).sort() };
  return { type: 'hash', value: Object.entries(object).map(([f, v]) => `${f}=${String(v)}`).sort() };
}
