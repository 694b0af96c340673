import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort, type RedisServer } from '../../src/servers/redis-server.js';
import { sleep, waitFor } from '../../src/servers/wait.js';
import { writeMixedWorkload } from '../../src/servers/workload.js';
import { readTraceRecords } from '../../src/trace/reader.js';
import { collect, runCli, spawnCli } from '../support/cli.js';
import { startServer, useClusters } from '../support/cluster.js';

useClusters();
const dir = mkdtempSync(join(tmpdir(), 'repltap-proxy-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

interface ProxyRun {
  child: ReturnType<typeof spawnCli>;
  done: ReturnType<typeof collect>;
  offset: number;
  master: RedisServer;
  replica: RedisServer;
  /** The proxy's args, to start it again on the same port and trace. */
  args: string[];
}

/**
 * `repltap proxy` as a process between a master and a replica, synced and caught up after a
 * workload. `keys`: keys on the master before the sync; `fileSizeLimitKiB`: see spawnCli.
 */
async function proxyWithReplica(trace: string, { keys = 0, fileSizeLimitKiB }: { keys?: number; fileSizeLimitKiB?: number } = {}): Promise<ProxyRun> {
  const master = await startServer({ name: 'proxy-master', config: { 'repl-diskless-sync-delay': 0 } });
  if (keys > 0) await master.client.call('DEBUG', 'POPULATE', keys, 'key', 64);
  const replica = await startServer({ name: 'proxy-replica' });
  const port = await freePort();
  const args = ['proxy', '--master', master.address, '--listen', `127.0.0.1:${port}`, '--trace', trace, '--log-level', 'info'];
  const child = spawnCli(args, {}, fileSizeLimitKiB);
  const done = collect(child);
  await replica.client.call('REPLICAOF', '127.0.0.1', port);
  // The replica retries once a second until the proxy listens.
  await waitFor('the replica to sync through the proxy', 30_000, async () => (await replica.info()).master_link_status === 'up');
  await writeMixedWorkload(master.client, { commands: 300, seed: 9 });
  const offset = Number((await master.info()).master_repl_offset);
  await waitFor('the replica to catch up through the proxy', 30_000, async () => Number((await replica.info()).master_repl_offset) === offset);
  return { child, done, offset, master, replica, args };
}

describe('repltap proxy as a process', () => {
  it('SIGTERM flushes the trace and exits 0; logs are JSON lines when stderr is not a terminal', async () => {
    const trace = join(dir, 'term.rtrace');
    const { child, done } = await proxyWithReplica(trace);
    await sleep(1500); // one periodic ACK
    child.kill('SIGTERM');
    const { code, stderr } = await done;
    expect(code).toBe(0);
    const logs = stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { msg: string; level: number });
    expect(logs.map((l) => l.msg)).toEqual(expect.arrayContaining(['tap listening', 'stopping', 'tap stopped']));
    // The master was reachable: no warning about it.
    expect(logs.filter((l) => l.level >= 40)).toEqual([]);
    const { records } = readTraceRecords(trace);
    const close = records.find((r) => r.type === 'link-close');
    expect(close).toMatchObject({ reason: 'tap shut down', phase: 'stream' });
    expect(records.some((r) => r.type === 'fullresync')).toBe(true);
  });

  it('after kill -9 the trace reads up to its last complete record', async () => {
    const trace = join(dir, 'kill9.rtrace');
    const { child, done } = await proxyWithReplica(trace);
    await sleep(500); // past the 200 ms flush interval
    child.kill('SIGKILL');
    await done;
    const { records } = readTraceRecords(trace);
    expect(records.some((r) => r.type === 'fullresync')).toBe(true);
    expect(records.some((r) => r.type === 'command')).toBe(true);
    const inspected = await runCli(['inspect', trace]);
    expect(inspected.code).toBe(0);
    expect(inspected.stdout).toContain('still open when the trace ended');
  });

  it('warns at start when the master is not reachable, keeps listening, and cuts a replica with the reason', async () => {
    const nothing = await freePort();
    const port = await freePort();
    const trace = join(dir, 'unreachable.rtrace');
    const child = spawnCli(['proxy', '--master', `127.0.0.1:${nothing}`, '--listen', `127.0.0.1:${port}`, '--trace', trace]);
    const done = collect(child);
    let stderr = '';
    child.stderr!.on('data', (d: Buffer) => (stderr += d.toString()));
    await waitFor('the warning', 15_000, async () => stderr.includes('is not reachable'));
    const warning = stderr.split('\n').filter((l) => l.includes('is not reachable')).map((l) => JSON.parse(l) as { level: number; problem: string; msg: string });
    expect(warning).toEqual([expect.objectContaining({ level: 40, problem: 'ECONNREFUSED' })]);
    expect(warning[0]!.msg).toContain(`master 127.0.0.1:${nothing} is not reachable (ECONNREFUSED)`);
    const replica = await startServer({ name: 'unreachable-replica' });
    await replica.client.call('REPLICAOF', '127.0.0.1', port);
    await waitFor('a link to be cut', 15_000, async () => readTraceRecords(trace).records.some((r) => r.type === 'link-close'));
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
    const close = readTraceRecords(trace).records.find((r) => r.type === 'link-close');
    expect(close).toMatchObject({ reason: `cannot connect to the master 127.0.0.1:${nothing}: ECONNREFUSED` });
  });

  it('inspect --follow shows each event as the running proxy records it, and on SIGINT the timeline (exit 0)', async () => {
    const trace = join(dir, 'follow.rtrace');
    // One follower starts before the proxy has created the trace: it waits for it.
    const json = spawnCli(['inspect', trace, '--follow', '--json', '--type', 'command', 'ack']);
    let jsonOut = '';
    let jsonErr = '';
    json.stdout!.on('data', (d: Buffer) => (jsonOut += d.toString()));
    json.stderr!.on('data', (d: Buffer) => (jsonErr += d.toString()));
    await waitFor('the follower to wait for the trace', 15_000, () => jsonErr.includes('waiting'));
    const { child, done, offset, master } = await proxyWithReplica(trace);
    const events = spawnCli(['inspect', trace, '--follow']);
    let eventsOut = '';
    events.stdout!.on('data', (d: Buffer) => (eventsOut += d.toString()));
    const [jsonDone, eventsDone] = [collect(json), collect(events)];
    const lines = (): { type: string; offset: number; name?: string; args?: string[] }[] =>
      jsonOut.split('\n').filter((l) => l.endsWith('}')).map((l) => JSON.parse(l) as { type: string; offset: number });
    // What was recorded before the follower started.
    await waitFor('the workload in the followed output', 15_000, async () => lines().some((l) => l.type === 'command' && l.offset === offset));
    // What the proxy records afterwards: a write, then the replica's ACK of it.
    await master.client.call('SET', 'followed', 'live');
    const after = Number((await master.info()).master_repl_offset);
    await waitFor('the new write and its ACK in the followed output', 15_000, async () => lines().some((l) => l.type === 'ack' && l.offset === after));
    // The recording's header comes first, whatever --type keeps.
    expect(lines()[0]).toMatchObject({ type: 'header', source: 'proxy', master: master.address, record: 'commands' });
    expect(lines().filter((l) => l.type === 'header')).toHaveLength(1);
    expect(lines().filter((l) => l.offset > offset)).toEqual([
      expect.objectContaining({ type: 'command', name: 'set', args: ['followed', 'live'], offset: after }),
      expect.objectContaining({ type: 'ack', offset: after }),
    ]);
    // Both followers are running (a signal before a follower has started would just kill it).
    await waitFor('the new write in the text output', 15_000, () => eventsOut.includes('set followed live'));
    json.kill('SIGINT');
    events.kill('SIGINT');
    const [jsonResult, eventsResult] = await Promise.all([jsonDone, eventsDone]);
    expect(jsonResult.code).toBe(0);
    expect(jsonErr).toBe(`repltap: waiting for ${trace} to be written (Ctrl-C to stop)\n`);
    expect(eventsResult).toMatchObject({ code: 0, stderr: '' });
    expect(eventsResult.stdout).toMatch(new RegExp(`link 1  @${after} db\\d+ set followed live\n`));
    expect(eventsResult.stdout).toMatch(/\n\nlink 1: replica .* \(still open when the trace ended\)\n/);
    expect(eventsResult.stdout).toContain(`last ${after} at`);
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
  });

  it('inspect --follow goes on with the new recording when the proxy is restarted on the same trace, as tail -F does', async () => {
    const trace = join(dir, 'restarted.rtrace');
    const first = await proxyWithReplica(trace);
    const events = spawnCli(['inspect', trace, '--follow']);
    const json = spawnCli(['inspect', trace, '--follow', '--json', '--type', 'fullresync', 'continue', 'link-close']);
    let [eventsOut, jsonOut] = ['', ''];
    events.stdout!.on('data', (d: Buffer) => (eventsOut += d.toString()));
    json.stdout!.on('data', (d: Buffer) => (jsonOut += d.toString()));
    const [eventsDone, jsonDone] = [collect(events), collect(json)];
    const lines = (): { type: string; startedAt?: number; listen?: string }[] => jsonOut.split('\n').filter((l) => l.endsWith('}')).map((l) => JSON.parse(l) as { type: string });
    const types = (): string[] => lines().map((l) => l.type);
    await waitFor('the first recording in the followed output', 15_000, () => types().includes('fullresync'));
    first.child.kill('SIGTERM');
    expect((await first.done).code).toBe(0);
    await waitFor('the first link to close in the followed output', 15_000, () => types().includes('link-close'));
    // The replica reconnects to the restarted proxy and resyncs partially from the same master.
    const second = spawnCli(first.args);
    const secondDone = collect(second);
    await waitFor('the second recording in the followed output', 30_000, () => types().includes('continue'));
    await waitFor('the second recording in the text output', 15_000, () => /\+CONTINUE/.test(eventsOut));
    events.kill('SIGINT');
    json.kill('SIGINT');
    const [eventsResult, jsonResult] = await Promise.all([eventsDone, jsonDone]);
    const notice = `repltap: ${trace} was replaced by a new recording (a tap restarted on it?): following that one, its links numbered from 1 again\n`;
    expect(jsonResult).toMatchObject({ code: 0, stderr: notice });
    // Each recording starts with its header: a script reading the lines can tell link 1 of one from link 1 of the other.
    expect(types()).toEqual(['header', 'fullresync', 'link-close', 'header', 'continue']);
    const [firstHeader, secondHeader] = lines().filter((l) => l.type === 'header');
    expect(secondHeader!.startedAt).toBeGreaterThan(firstHeader!.startedAt!);
    expect(secondHeader!.listen).toBe(firstHeader!.listen);
    expect(eventsResult).toMatchObject({ code: 0, stderr: notice });
    // Each recording: its header, its events, its timeline; the first link closed by the first proxy's shutdown.
    const recordings = eventsResult.stdout.split(/^(?=trace )/m);
    expect(recordings).toHaveLength(2);
    expect(recordings[0]).toMatch(/link 1  \+FULLRESYNC[\s\S]*\n\nlink 1: replica [\s\S]*closed .*tap shut down/);
    expect(recordings[0]).not.toContain('+CONTINUE');
    expect(recordings[1]).toMatch(/link 1  \+CONTINUE[\s\S]*\n\nlink 1: replica [\s\S]*still open when the trace ended/);
    second.kill('SIGTERM');
    expect((await secondDone).code).toBe(0);
  });

  it('a trace that can no longer be written (a file size limit) stops recording, not forwarding; exit 2 says where it ends', async () => {
    const trace = join(dir, 'limited.rtrace');
    // About 300 KB of key records in the trace, past the 64 KiB limit.
    const { child, done, master, replica } = await proxyWithReplica(trace, { keys: 20_000, fileSizeLimitKiB: 64 });
    expect(await replica.digest()).toBe(await master.digest());
    child.kill('SIGTERM');
    const { code, stderr } = await done;
    expect(code).toBe(2);
    const errors = stderr.split('\n').filter((l) => l.startsWith('{')).map((l) => JSON.parse(l) as { level: number; msg: string; code?: string }).filter((l) => l.level >= 50);
    expect(errors).toEqual([expect.objectContaining({ code: 'EFBIG', msg: expect.stringMatching(/^cannot write the trace .*limited\.rtrace past byte \d+: .*\(EFBIG\): recording stopped; the links are still forwarded$/) })]);
    expect(stderr).toMatch(/repltap: cannot write the trace .* \(EFBIG\): the trace ends there\n/);
    expect(stderr).not.toContain('internal error');
    // What was written before the limit reads back.
    expect(readTraceRecords(trace).records.some((r) => r.type === 'fullresync')).toBe(true);
  });

  it.each([
    ['a directory that does not exist', '/nonexistent-dir/t.rtrace', 'its directory does not exist (ENOENT)'],
    ['a full device', '/dev/full', 'no space left on the device (ENOSPC)'],
  ])('refuses a trace it cannot write at start, in %s (exit 2)', async (_, path, why) => {
    const { code, stderr } = await runCli(['proxy', '--master', '127.0.0.1:1', '--listen', '127.0.0.1:0', '--trace', path]);
    expect(code).toBe(2);
    expect(stderr).toBe(`repltap: cannot write the trace ${path}: ${why}\n`);
  });

  it('refuses a listen address in use (exit 2)', async () => {
    const busy = await startServer({ name: 'busy' });
    const { code, stderr } = await runCli(['proxy', '--master', '127.0.0.1:1', '--listen', busy.address]);
    expect(code).toBe(2);
    expect(stderr).toContain(`cannot listen on ${busy.address}: the address is in use`);
  });
});

describe('repltap demo', () => {
  it('runs master, replica and tap, cuts the link once, and shows a full then a partial resync', async () => {
    const { code, stdout, stderr } = await runCli(['demo', '--commands', '500']);
    expect(stderr).toContain('identical');
    expect(code).toBe(0);
    expect(stdout).toMatch(/link 1: .*\n(.*\n)*.*: full resync/);
    expect(stdout).toMatch(/link 2: .*\n(.*\n)*.*\+CONTINUE \S+: partial resync/);
  });

  it('says what redis-server said when it will not start (exit 3), without waiting out a timeout', async () => {
    const fake = join(dir, 'fake-redis-server');
    writeFileSync(fake, '#!/bin/sh\necho "FATAL CONFIG FILE ERROR: a bad line" >&2\nexit 1\n', { mode: 0o755 });
    const { code, stderr } = await runCli(['demo', '--redis-server', fake]);
    expect(code).toBe(3);
    expect(stderr).toMatch(new RegExp(`repltap: ${fake} exited with code 1 before it served port \\d+: FATAL CONFIG FILE ERROR: a bad line; is it redis-server`));
  });

  it('says what to do when redis-server is missing (exit 3)', async () => {
    const { code, stderr } = await runCli(['demo', '--redis-server', '/nonexistent/redis-server']);
    expect(code).toBe(3);
    expect(stderr).toContain('/nonexistent/redis-server was not found. Install it (Debian: apt-get install redis-server)');
  });
});
