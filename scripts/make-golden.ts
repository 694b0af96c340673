/**
 * Records golden traces from a real redis-server into fixtures/golden/: one deterministic session
 * per file (a seeded RDB, then a seeded command stream), captured by `repltap capture` at
 * --record full, with what the master held at the end (DEBUG DIGEST) beside it. Tests replay them
 * into fresh replicas and diff fresh captures against them.
 *
 *   npm run fixtures:golden     (needs redis-server on PATH; rewrites fixtures/golden/*)
 */
import { mkdirSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { recordGoldenSession, type GoldenSessionOptions } from '../src/servers/golden-session.js';

const outDir = join(import.meta.dirname, '..', 'fixtures', 'golden');

/** The sessions, by file name; tests record the same options again to diff against them. */
export const GOLDEN_SESSIONS: Record<string, Omit<GoldenSessionOptions, 'trace'>> = {
  diskless: { config: { 'repl-diskless-sync': 'yes' } },
  'disk-based': { config: { 'repl-diskless-sync': 'no' } },
};

mkdirSync(outDir, { recursive: true });
for (const [name, options] of Object.entries(GOLDEN_SESSIONS)) {
  const trace = join(outDir, `${name}.rtrace`);
  const session = await recordGoldenSession({ ...options, trace });
  writeFileSync(join(outDir, `${name}.json`), `${JSON.stringify({ name, ...options, ...session }, null, 2)}\n`);
  process.stderr.write(`${name}: ${session.commands} commands to offset ${session.offset}, digest ${session.digest}, redis ${session.redisVersion}\n`);
}
