import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';

/** An RDB saved by a real redis-server with the content the server reported (scripts/make-rdb-fixtures.ts). */
export interface RdbFixture {
  name: string;
  description: string;
  redisVersion: string;
  config: Record<string, string | number>;
  expected: {
    keys: { db: number; key: string; type: string; encoding: string; expiry: number | null; value: unknown }[];
    functions: number;
  };
}

export const RDB_FIXTURE_DIR = join(import.meta.dirname, '..', '..', 'fixtures', 'rdb');

export function rdbFixtures(): { fixture: RdbFixture; rdb: Buffer }[] {
  return readdirSync(RDB_FIXTURE_DIR)
    .filter((f) => f.endsWith('.json'))
    .sort()
    .map((f) => ({
      fixture: JSON.parse(readFileSync(join(RDB_FIXTURE_DIR, f), 'utf8')) as RdbFixture,
      rdb: readFileSync(join(RDB_FIXTURE_DIR, f.replace(/\.json$/, '.rdb'))),
    }));
}
