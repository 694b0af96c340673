import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LinkDecoder } from '../../src/link/link-decoder.js';
import { TraceWriter } from '../../src/trace/writer.js';
import { runCli } from '../support/cli.js';
import { loadLinkFixture } from '../support/link-fixture.js';
import { traceHeader } from '../support/trace-header.js';

const dir = mkdtempSync(join(tmpdir(), 'repltap-cli-test-'));
const tracePath = join(dir, 'link.rtrace');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/** A trace as the tap would write it at --record full, from two captured links. */
beforeAll(() => {
  const writer = new TraceWriter(tracePath, traceHeader());
  ['diskless-full-sync', 'partial-resync'].forEach((name, i) => {
    const decoder = new LinkDecoder({ link: i + 1, args: true, rdb: 'values', recordSecrets: false });
    let t = 1_795_000_000_000 + i * 10_000;
    writer.append(decoder.open(t, '127.0.0.1:50000', '127.0.0.1:6379'));
    let pos = { m2r: 0, r2m: 0 };
    for (const chunk of loadLinkFixture(name).chunks) {
      t += 10;
      writer.append({ type: 'raw', t, link: i + 1, dir: chunk.dir, pos: pos[chunk.dir], data: chunk.data });
      pos = { ...pos, [chunk.dir]: pos[chunk.dir] + chunk.data.length };
      for (const event of decoder.feed(chunk.dir, chunk.data, t)) writer.append(event);
    }
    for (const event of decoder.close(t + 5, 'replica closed the connection')) writer.append(event);
  });
  writer.close();
});

describe('repltap inspect', () => {
  it('shows a timeline per link: handshake, sync outcome, RDB, stream, ACKs, close', async () => {
    const { code, stdout, stderr } = await runCli(['inspect', tracePath]);
    expect(stderr).toBe('');
    expect(code).toBe(0);
    const fixture = loadLinkFixture('diskless-full-sync');
    expect(stdout).toContain('link 1: replica 127.0.0.1:50000 ⇄ master 127.0.0.1:6379');
    expect(stdout).toContain('REPLCONF capa eof capa psync2 → +OK');
    expect(stdout).toMatch(/sync 1 +\+\d+ ms {2}PSYNC \S+ 1 → \+FULLRESYNC \S+ 0: full resync/);
    expect(stdout).toMatch(/RDB diskless \(\$EOF:\), [\d.]+ KiB, RDB version 10/);
    expect(stdout).toContain(`last ${fixture.expected.masterReplOffset} at`);
    expect(stdout).toContain('link 2:');
    expect(stdout).toMatch(/→ \+CONTINUE \S+: partial resync/);
    expect(stdout).toContain('closed       +');
    expect(stdout).toContain('decoding     no errors');
  });

  it('refuses a --type that is no event type, and a --link the trace does not have, saying what there is (exit 2)', async () => {
    const typo = await runCli(['inspect', tracePath, '--events', '--type', 'psync', 'fulresync']);
    expect(typo.code).toBe(2);
    expect(typo.stderr).toContain('unknown type "fulresync"; one of: link-open, fault, handshake, psync, sync, fullresync,');
    for (const mode of [[], ['--json']]) {
      const absent = await runCli(['inspect', tracePath, '--link', '7', ...mode]);
      expect(absent.code).toBe(2);
      expect(absent.stderr).toBe(`repltap: ${tracePath}: no link 7; its links are 1, 2\n`);
    }
    const exported = await runCli(['trace', 'export', tracePath, '--type', 'raw', 'nope']);
    expect(exported.code).toBe(2);
    expect(exported.stderr).toContain('unknown type "nope"; one of: link-open,');
    expect(exported.stderr).toContain(', raw');
  });

  it('--overview prints the header and the overview of all links only', async () => {
    const { code, stdout } = await runCli(['inspect', tracePath, '--overview']);
    expect(code).toBe(0);
    expect(stdout).toMatch(/^trace .*\n {2}overview {5}2 links, \S+ → \S+\n {15}syncs: 1 full \(another history 1\); 1 partial \(offset in the backlog 1\)\n {15}closed: replica closed the connection 2\n$/);
    const refused = await runCli(['inspect', tracePath, '--overview', '--json']);
    expect(refused.code).toBe(2);
    expect(refused.stderr).toContain('--overview is the timeline cut to its overview');
  });

  it('--json prints one parseable object per event, binary values as base64, raw records only with --raw', async () => {
    const { code, stdout } = await runCli(['inspect', tracePath, '--json']);
    expect(code).toBe(0);
    const lines = stdout.trim().split('\n').map((l) => JSON.parse(l) as Record<string, unknown>);
    expect(lines.length).toBeGreaterThan(100);
    for (const line of lines) {
      expect(line.t).toBeTypeOf('number');
      expect(line.link).toBeTypeOf('number');
      expect(line.type).toBeTypeOf('string');
      expect(line.type).not.toBe('raw');
    }
    // Arguments are text when they are UTF-8 and {base64} otherwise: the workload sets u:<i> to bytes 00 ff 0d 0a <i>.
    const commands = lines.filter((l) => l.type === 'command');
    const select = commands.find((l) => l.name === 'select')!;
    expect(select.args).toEqual([expect.stringMatching(/^\d+$/)]);
    const binary = commands.find((l) => l.name === 'set' && typeof (l.args as unknown[])[0] === 'string' && String((l.args as unknown[])[0]).startsWith('u:'))!;
    const value = (binary.args as { base64: string }[])[1]!;
    expect(Buffer.from(value.base64, 'base64').subarray(0, 4)).toEqual(Buffer.from([0, 255, 13, 10]));
    for (const line of commands) for (const arg of line.args as unknown[]) expect(typeof arg === 'string' || Object.keys(arg as object).join() === 'base64').toBe(true);
    const rdbKey = lines.find((l) => l.type === 'rdb-key')!;
    expect(rdbKey.key).toBeTypeOf('string');
    const withRaw = await runCli(['inspect', tracePath, '--json', '--raw', '--link', '2', '--type', 'continue']);
    const types = withRaw.stdout.trim().split('\n').map((l) => (JSON.parse(l) as { type: string; link: number }).type);
    expect(new Set(types)).toEqual(new Set(['raw', 'continue']));
  });

  it('--events lists every event with its time', async () => {
    const { stdout } = await runCli(['inspect', tracePath, '--events', '--type', 'fullresync', 'continue']);
    expect(stdout).toMatch(/\+ +0\.\d{3}s {2}link 1 {2}\+FULLRESYNC/);
    expect(stdout).toMatch(/s {2}link 2 {2}\+CONTINUE/);
  });

  it('shows a trace cut off mid-block up to its last complete record, then says where it was cut (exit 2)', async () => {
    const bytes = readFileSync(tracePath);
    const cut = join(dir, 'cut.rtrace');
    writeFileSync(cut, bytes.subarray(0, bytes.length - 3000));
    const { code, stdout, stderr } = await runCli(['inspect', cut]);
    expect(code).toBe(2);
    expect(stdout).toContain('link 1:');
    expect(stderr).toMatch(/cut\.rtrace: the trace is cut off at byte \d+, inside the block/);
  });

  it('refuses a corrupt trace with where and what, exit 2, no stack trace', async () => {
    const bytes = readFileSync(tracePath);
    bytes[bytes.length - 50] = bytes[bytes.length - 50]! ^ 0x55;
    const corrupt = join(dir, 'corrupt.rtrace');
    writeFileSync(corrupt, bytes);
    const { code, stderr } = await runCli(['inspect', corrupt]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/^repltap: .*corrupt\.rtrace: at byte \d+: block checksum mismatch/m);
    expect(stderr).not.toContain('    at ');
  });

  it.each([
    ['a missing file', join(dir, 'nope.rtrace'), 'no such file'],
    ['a file that is not a trace', join(import.meta.dirname, '..', '..', 'package.json'), 'not a repltap trace'],
  ])('refuses %s with exit 2', async (_name, path, message) => {
    const { code, stderr } = await runCli(['inspect', path]);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});

describe('repltap', () => {
  it('--version prints the version, --help lists the commands and exit statuses', async () => {
    const version = await runCli(['--version']);
    expect(version.code).toBe(0);
    expect(version.stdout.trim()).toBe((JSON.parse(readFileSync(join(import.meta.dirname, '..', '..', 'package.json'), 'utf8')) as { version: string }).version);
    const help = await runCli(['--help']);
    expect(help.code).toBe(0);
    for (const word of ['proxy', 'inspect', 'demo', 'Exit status']) expect(help.stdout).toContain(word);
  });

  it.each([
    [['proxy'], "required option '--master <host:port>' not specified"],
    [['proxy', '--master', 'nohost'], '--master must be HOST:PORT'],
    [['proxy', '--master', '127.0.0.1:6379', '--record', 'everything'], "Allowed choices are meta, commands, full"],
    [['proxy', '--master', '127.0.0.1:6379', '--rdb', 'everything'], 'Allowed choices are none, summary, keys, values'],
    [['inspect'], "missing required argument 'trace'"],
    [['frobnicate'], "unknown command 'frobnicate'"],
  ])('%j is a usage error (exit 2) that says what is wrong', async (args, message) => {
    const { code, stderr } = await runCli(args);
    expect(code).toBe(2);
    expect(stderr).toContain(message);
  });
});
