import { appendFileSync, copyFileSync, mkdtempSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { Crc64 } from '../../src/rdb/crc64.js';
import { RedisServer } from '../../src/servers/redis-server.js';
import { runCli } from '../support/cli.js';

// Files of 4 MiB and more have their checksum computed in a worker thread alongside decoding.
const dir = mkdtempSync(join(tmpdir(), 'repltap-rdb-large-'));
const rdb = join(dir, 'large.rdb');
let stored = '';

beforeAll(async () => {
  const server = await RedisServer.start({ name: 'rdb-large', config: { rdbcompression: 'no' } });
  try {
    await server.client.call('DEBUG', 'POPULATE', 60_000, 'key', 100);
    await server.client.call('SAVE');
    copyFileSync(join(server.dir, 'dump.rdb'), rdb);
  } finally {
    await server.stop();
  }
  const bytes = readFileSync(rdb);
  const crc = new Crc64();
  crc.update(bytes, 0, bytes.length - 8);
  stored = crc.hex();
}, 60_000);
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('repltap rdb on a file large enough for the checksum worker', () => {
  it('reports the checksum ok, as computed in one pass here', async () => {
    expect(statSync(rdb).size).toBeGreaterThan(4 * 1024 * 1024);
    const { code, stdout } = await runCli(['rdb', rdb, '--json', '--summary']);
    expect(code).toBe(0);
    expect(JSON.parse(stdout)).toMatchObject({ keys: 60_000, checksum: 'ok', storedChecksum: stored, computedChecksum: stored });
  });

  it('finds a flipped byte inside a value that only the checksum can see (exit 2)', async () => {
    const bytes = readFileSync(rdb);
    const at = bytes.indexOf(Buffer.from('value:30000'));
    bytes[at + 6] = '9'.charCodeAt(0);
    const corrupt = join(dir, 'flipped.rdb');
    writeFileSync(corrupt, bytes);
    const { code, stdout, stderr } = await runCli(['rdb', corrupt]);
    expect(code).toBe(2);
    expect(stdout).toMatch(new RegExp(`checksum +MISMATCH: stored ${stored}, computed [0-9a-f]{16}`));
    expect(stderr).toMatch(new RegExp(`checksum mismatch: the file stores ${stored}, its content gives [0-9a-f]{16}`));
  });

  it('checks the right span when bytes follow the checksum', async () => {
    const padded = join(dir, 'padded.rdb');
    copyFileSync(rdb, padded);
    appendFileSync(padded, Buffer.alloc(100, 0x41));
    const { code, stdout } = await runCli(['rdb', padded]);
    expect(code).toBe(0);
    expect(stdout).toMatch(new RegExp(`checksum +ok \\(${stored}\\)`));
    expect(stdout).toContain('100 bytes after the checksum were ignored');
  });
});
