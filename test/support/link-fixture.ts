import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { unpack } from 'msgpackr';
import type { Direction } from '../../src/link/events.js';

/** Bytes of one real replication link, captured by scripts/make-fixtures.ts, with what the servers reported. */
export interface LinkFixture {
  name: string;
  description: string;
  redisVersion: string;
  chunks: { dir: Direction; data: Buffer }[];
  expected: {
    masterReplid: string;
    masterReplOffset: number;
    replicaOffset: number;
    dbsize: number;
  };
}

export const FIXTURE_DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'links');

export function loadLinkFixture(name: string): LinkFixture {
  return unpack(readFileSync(join(FIXTURE_DIR, `${name}.msgpack`))) as LinkFixture;
}

export function linkFixtureNames(): string[] {
  return readdirSync(FIXTURE_DIR)
    .filter((f) => f.endsWith('.msgpack'))
    .map((f) => f.replace(/\.msgpack$/, ''))
    .sort();
}
