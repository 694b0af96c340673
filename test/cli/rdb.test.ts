import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { spawn } from 'node:child_process';
import { describe, expect, it } from 'vitest';
import { globToRegExp } from '../../src/cli/commands/rdb.js';
import { runCli } from '../support/cli.js';
import { CORPUS } from '../support/rdb-corpus.js';

const file = (name: string): string => join(CORPUS, name);
const MEMORY = file('HDT3213__rdb/cases/memory.rdb');

describe('repltap rdb', () => {
  it('prints a readable summary: version, aux fields, keys per db and type, encodings, checksum', async () => {
    const { code, stdout, stderr } = await runCli(['rdb', MEMORY]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    expect(stdout).toContain('Redis RDB version 9, 2.4 KiB');
    expect(stdout).toMatch(/aux redis-ver +6\.0\.6/);
    expect(stdout).toContain('keys         7, 1 with an expiry');
    expect(stdout).toMatch(/db 0 +7 keys \(string 3, hash 1, list 1, zset 1, set 1\)/);
    expect(stdout).toMatch(/checksum +ok \(03d0feb425f3f02c\)/);
  });

  it('--json prints one object per key, binary-safe, matching the file', async () => {
    const { code, stdout } = await runCli(['rdb', MEMORY, '--json']);
    expect(code).toBe(0);
    const keys = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(keys).toHaveLength(7);
    expect(keys.find((k) => k.key === 'e')).toEqual({ db: 0, key: 'e', type: 'string', encoding: 'string', expiry: 1645136129180, length: 1, value: 'zxcvb' });
    expect(keys.find((k) => k.key === 'zset')!.value).toEqual([
      { member: 'zn4ejjo4ths63irg', score: 1 },
      { member: '1ik4jifkg6olxf5n', score: 2 },
    ]);
    const binary = await runCli(['rdb', file('sripathikrishnan__redis-rdb-tools/tests/dumps/non_ascii_values.rdb'), '--json']);
    expect(binary.code).toBe(0);
    expect(binary.stdout.trim().split('\n').length).toBe(6);
  });

  it('--json --summary prints one object with rdbVersion, keys, dbs, types, checksum', async () => {
    const { code, stdout } = await runCli(['rdb', file('sripathikrishnan__redis-rdb-tools/tests/dumps/multiple_databases.rdb'), '--json', '--summary']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n');
    expect(lines).toHaveLength(1);
    expect(JSON.parse(lines[0]!)).toMatchObject({ rdbVersion: 3, keys: 2, dbs: { '0': { keys: 1 }, '2': { keys: 1 } }, types: { string: 2 }, checksum: 'absent' });
  });

  it('filters by --db, --type and --key glob', async () => {
    const byType = await runCli(['rdb', MEMORY, '--json', '--type', 'string', '--key', '[se]*']);
    expect(byType.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { key: string }).key).sort()).toEqual(['e', 's']);
    const byDb = await runCli(['rdb', file('sripathikrishnan__redis-rdb-tools/tests/dumps/multiple_databases.rdb'), '--json', '--db', '2']);
    expect(byDb.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { db: number }).db)).toEqual([2]);
  });

  it('reads standard input with -', async () => {
    const child = spawn(process.execPath, ['--import', 'tsx', join(import.meta.dirname, '..', '..', 'src', 'cli', 'main.ts'), 'rdb', '-', '--json', '--summary'], { stdio: ['pipe', 'pipe', 'pipe'] });
    let out = '';
    child.stdout.on('data', (d: Buffer) => (out += d.toString()));
    child.stdin.end(readFileSync(MEMORY));
    const code = await new Promise((resolve) => child.on('close', resolve));
    expect(code).toBe(0);
    expect(JSON.parse(out)).toMatchObject({ keys: 7, checksum: 'ok' });
  });

  it.each([
    ['redis__redis/tests/assets/corrupt_ziplist.rdb', /corrupt_ziplist\.rdb: at byte 488: ziplist integrity check failed/],
    ['redis__librdb/test/dumps/invalid_chksum_v8.rdb', /checksum mismatch: the file stores b477e446e98e5402, its content gives a609bb6465990fe1/],
    ['redis__librdb/test/dumps/future_v19.rdb', /at byte 5: RDB version 99 is not supported/],
  ])('%s: what was decoded, then where and why on stderr, exit 2, no stack trace', async (name, message) => {
    const { code, stdout, stderr } = await runCli(['rdb', file(name), '--json']);
    expect(code).toBe(2);
    expect(stderr).toMatch(message);
    expect(stderr).not.toContain('    at ');
    // The 15 complete keys before the corrupt one are printed.
    if (name.includes('corrupt_ziplist')) expect(stdout.trim().split('\n').length).toBe(15);
  });

  it.each([[[]], [['--json', '--summary']]])('a file that is not an RDB (%j): the error alone, no blank summary', async (flags) => {
    const { code, stdout, stderr } = await runCli(['rdb', join(import.meta.dirname, '..', '..', 'package.json'), ...flags]);
    expect(code).toBe(2);
    expect(stderr).toContain('at byte 0: not an RDB file');
    expect(stdout).toBe('');
  });

  it('matches keys with Redis glob syntax', () => {
    expect(globToRegExp('user:*').test('user:42')).toBe(true);
    expect(globToRegExp('h?llo').test('hello')).toBe(true);
    expect(globToRegExp('h[^e]llo').test('hello')).toBe(false);
    expect(globToRegExp('h[ae]llo').test('hallo')).toBe(true);
    expect(globToRegExp('a\\*b').test('a*b')).toBe(true);
    expect(globToRegExp('a.b').test('axb')).toBe(false);
  });
});
