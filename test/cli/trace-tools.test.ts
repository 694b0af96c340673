import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '../../src/servers/redis-server.js';
import { readTraceRecords } from '../../src/trace/reader.js';
import { runCli } from '../support/cli.js';

const dir = mkdtempSync(join(tmpdir(), 'repltap-trace-tools-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));
const golden = join(import.meta.dirname, '..', '..', 'fixtures', 'golden', 'diskless.rtrace');
const goldenMeta = JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'fixtures', 'golden', 'diskless.json'), 'utf8')) as { commands: number; offset: number };

describe('repltap trace', () => {
  it('export --jsonl: one JSON object per record, raw bytes only with --raw', async () => {
    const { code, stdout } = await runCli(['trace', 'export', golden, '--jsonl']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as { type: string });
    const { records } = readTraceRecords(golden);
    expect(lines.length).toBe(records.filter((r) => r.type !== 'raw').length);
    expect(lines.filter((l) => l.type === 'command').length).toBe(goldenMeta.commands);
    const raw = await runCli(['trace', 'export', golden, '--raw', '--type', 'fullresync']);
    expect(raw.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { type: string }).type)).toEqual(expect.arrayContaining(['raw', 'fullresync']));
  });

  it('stats: bytes, commands by name, sync durations and lag, as text and as JSON', async () => {
    const json = await runCli(['trace', 'stats', golden, '--json']);
    expect(json.code).toBe(0);
    const stats = JSON.parse(json.stdout) as { links: number; commands: { total: number; byName: Record<string, number> }; syncs: { kind: string; ms: number }[]; acks: { count: number; lagBytes: { p50: number } } };
    expect(stats.links).toBe(1);
    expect(stats.commands.total).toBe(goldenMeta.commands);
    expect(stats.commands.byName.multi).toBe(stats.commands.byName.exec);
    expect(stats.syncs).toEqual([
      {
        link: 1,
        kind: 'full',
        ms: expect.any(Number) as number,
        rdbBytes: expect.any(Number) as number,
        reason: 'no history to resume',
        why: 'the replica had no replication history to resume (first sync, or it gave its history up)',
      },
    ]);
    expect(stats.acks.count).toBeGreaterThan(0);
    const text = await runCli(['trace', 'stats', golden]);
    expect(text.stdout).toMatch(new RegExp(`^commands   ${goldenMeta.commands}: set \\d+`, 'm'));
    expect(text.stdout).toMatch(/^syncs      link 1: full \(no history to resume\) in [\d.]+ ms, RDB [\d.]+ KiB$/m);
    // Ten names, then what is left: one kind, said in the singular.
    expect(Object.keys(stats.commands.byName)).toHaveLength(11);
    expect(text.stdout).toMatch(/^commands   .*, 1 more kind$/m);
    expect(text.stdout).toMatch(/^errors     0 decode errors$/m);
  });

  it('cut: a time window or a link into a new trace that every command reads', async () => {
    const out = join(dir, 'window.rtrace');
    const { records } = readTraceRecords(golden);
    const start = readTraceRecords(golden).header.startedAt;
    const last = Math.max(...records.map((r) => r.t));
    const middle = ((last - start) / 2).toFixed(0);
    const cut = await runCli(['trace', 'cut', golden, out, '--from', `${middle}ms`]);
    expect(cut.code).toBe(0);
    expect(cut.stderr).toMatch(/kept \d+ of \d+ records/);
    const kept = readTraceRecords(out).records;
    expect(kept.length).toBeGreaterThan(0);
    expect(kept.every((r) => r.t >= start + Number(middle))).toBe(true);
    expect((await runCli(['trace', 'cut', golden, join(dir, 'none.rtrace'), '--link', '9'])).stderr).toContain('nothing of');
    expect((await runCli(['trace', 'cut', golden, golden])).stderr).toContain('give an output path other than the input');
  });
});

describe('damaged traces: every command says where and exits non-zero', () => {
  const bytes = readFileSync(golden);
  const corrupt = join(dir, 'corrupt.rtrace');
  const truncated = join(dir, 'truncated.rtrace');
  const corrupted = Buffer.from(bytes);
  corrupted[Math.floor(bytes.length / 2)]! ^= 0xff;
  writeFileSync(corrupt, corrupted);
  writeFileSync(truncated, bytes.subarray(0, Math.floor(bytes.length * 0.7)));
  const commands = (path: string, port: number): string[][] => [
    ['inspect', path],
    ['inspect', path, '--json'],
    ['diff', golden, path],
    ['replay', path, '--listen', `127.0.0.1:${port}`],
    ['trace', 'export', path],
    ['trace', 'stats', path],
    ['trace', 'cut', path, join(dir, `out-${port}.rtrace`)],
  ];

  it('a corrupt block: exit 2 with the byte where the block starts and what is wrong', async () => {
    for (const args of commands(corrupt, await freePort())) {
      const { code, stderr } = await runCli(args);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(stderr).toMatch(new RegExp(`${corrupt.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&')}: at byte \\d+: block checksum mismatch \\(stored 0x[0-9a-f]{8}, computed 0x[0-9a-f]{8}\\): the file is corrupt`));
      expect(stderr).not.toMatch(/at .*\.ts:\d+/);
    }
  });

  it('a trace cut short inside a block: exit 2 with where it was cut', async () => {
    for (const args of commands(truncated, await freePort())) {
      const { code, stderr } = await runCli(args);
      expect({ args, code }).toEqual({ args, code: 2 });
      expect(stderr).toMatch(/the trace is cut off at byte \d+, inside the block that starts at byte \d+ \(\d+ of \d+ bytes\)/);
    }
  });
});
