import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startCapture } from '../../src/replay/capture.js';
import { readRecording } from '../../src/replay/recording.js';
import { Replay } from '../../src/replay/replay.js';
import { waitReplicaAcked, waitReplicaOnline } from '../../src/servers/caught-up.js';
import { freePort } from '../../src/servers/redis-server.js';
import { waitFor } from '../../src/servers/wait.js';
import { seedDataset, writeMixedWorkload } from '../../src/servers/workload.js';
import { readTraceRecords } from '../../src/trace/reader.js';
import { collect, runCli, spawnCli } from '../support/cli.js';
import { startServer, useClusters } from '../support/cluster.js';

useClusters();
const dir = mkdtempSync(join(tmpdir(), 'repltap-replay-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('capture then replay into a real replica', () => {
  it('a replica fed the replay of 100k commands and a mixed RDB ends with the digest the master had', async () => {
    const master = await startServer({ name: 'golden-master', config: { 'repl-diskless-sync-delay': 0 } });
    await seedDataset(master.client, 100);
    const trace = join(dir, 'big.rtrace');
    const capture = startCapture({ master: master.address, trace });
    await waitReplicaOnline(master);
    await writeMixedWorkload(master.client, { commands: 100_000, seed: 5 });
    const offset = Number((await master.info()).master_repl_offset);
    await waitReplicaAcked(master);
    capture.stop('test done');
    const result = await capture.done;
    expect(result.offset).toBe(offset);
    const digest = await master.digest();

    const recording = readRecording(trace);
    expect(recording.commands).toBe(result.commands);
    expect(recording.commands).toBeGreaterThanOrEqual(100_000);
    const replay = await Replay.start(recording, { speed: 'max' });
    try {
      const replica = await startServer({ name: 'golden-replica' });
      await replica.client.call('REPLICAOF', replay.address.host, replay.address.port);
      await waitFor('the replica to apply the whole recording', 60_000, async () => Number((await replica.info()).master_repl_offset) >= recording.endOffset);
      expect(recording.endOffset).toBe(offset);
      expect(await replica.digest()).toBe(digest);
      expect(replay.served).toMatchObject([{ reply: 'full', from: recording.offset }]);
    } finally {
      await replay.close();
    }
  });

  it('a replica that drops the link mid-stream comes back with PSYNC and gets +CONTINUE', async () => {
    const master = await startServer({ name: 'paced-master', config: { 'repl-diskless-sync-delay': 0 } });
    const trace = join(dir, 'paced.rtrace');
    const capture = startCapture({ master: master.address, trace });
    await waitReplicaOnline(master);
    // Spread over about two seconds, so that the replay at speed 1 is still streaming when the link is cut.
    for (let i = 0; i < 20; i++) {
      await writeMixedWorkload(master.client, { commands: 200, seed: 100 + i });
      await new Promise((r) => setTimeout(r, 100));
    }
    await waitReplicaAcked(master);
    capture.stop('test done');
    await capture.done;
    const digest = await master.digest();
    const replay = await Replay.start(readRecording(trace), { speed: 1 });
    try {
      const replica = await startServer({ name: 'paced-replica' });
      await replica.client.call('REPLICAOF', replay.address.host, replay.address.port);
      await waitFor('the replica to stream', 30_000, async () => Number((await replica.info()).master_repl_offset) > replay.recording.offset + 1000);
      await replica.client.call('CLIENT', 'KILL', 'TYPE', 'master');
      await waitFor('the replica to apply the whole recording', 30_000, async () => Number((await replica.info()).master_repl_offset) >= replay.recording.endOffset);
      expect(replay.served.map((s) => s.reply)).toEqual(['full', 'partial']);
      expect(replay.served[1]!.request).toMatch(new RegExp(`^PSYNC ${replay.recording.replid} \\d+$`));
      expect(await replica.digest()).toBe(digest);
    } finally {
      await replay.close();
    }
  });

  it('capture authenticates with --auth or REPLTAP_AUTH, and says what to do without it', async () => {
    const master = await startServer({ name: 'auth-master', config: { 'repl-diskless-sync-delay': 0, requirepass: 's3cret' } });
    const denied = await runCli(['capture', '--master', master.address, '--trace', join(dir, 'denied.rtrace'), '--duration', '5s']);
    expect(denied.code).toBe(2);
    expect(denied.stderr).toContain('the master refused the handshake: -NOAUTH Authentication required. (give the password with --auth or REPLTAP_AUTH)');
    const trace = join(dir, 'auth.rtrace');
    const child = spawnCli(['capture', '--master', master.address, '--trace', trace, '--commands', '3'], { REPLTAP_AUTH: 's3cret' });
    const done = collect(child);
    await waitReplicaOnline(master);
    await master.client.pipeline([['SET', 'a', '1'], ['SET', 'b', '2'], ['SET', 'c', '3']]);
    const { code, stderr } = await done;
    expect(code).toBe(0);
    expect(stderr).toContain('captured 3 commands');
    const records = readTraceRecords(trace).records;
    expect(records).toEqual(expect.arrayContaining([expect.objectContaining({ type: 'handshake', command: 'AUTH (redacted)' })]));
    // At --record full (capture's default) the bytes sent are recorded too, the password as '*'.
    expect(readFileSync(trace).includes('s3cret')).toBe(false);
    const sent = Buffer.concat(records.flatMap((r) => (r.type === 'raw' && r.dir === 'r2m' ? [Buffer.from(r.data)] : []))).toString('latin1');
    expect(sent).toContain('*2\r\n$4\r\nAUTH\r\n$6\r\n******\r\n');
  });

  it('capture stops with exit 2 and says where its trace ends when it can no longer be written (a file size limit)', async () => {
    const master = await startServer({ name: 'limit-master', config: { 'repl-diskless-sync-delay': 0 } });
    await master.client.call('DEBUG', 'POPULATE', 20_000, 'key', 64);
    const trace = join(dir, 'limited.rtrace');
    const { code, stderr } = await collect(spawnCli(['capture', '--master', master.address, '--trace', trace, '--duration', '60s'], {}, 64));
    expect(code).toBe(2);
    expect(stderr).toMatch(/repltap: cannot write the trace .*limited\.rtrace past byte \d+: .*\(EFBIG\)\n/);
    expect(stderr).not.toContain('internal error');
  });

  it.each([
    ['answers as something else (an HTTP server)', 'HTTP/1.1 400 Bad Request\r\n\r\n', /the master did not answer as a Redis or Valkey master does \(unexpected line from the master: "HTTP\/1\.1 400 Bad Request"\); is --master the address of one\?/],
    ['closes the connection during the handshake', null, /the master closed the connection before a sync began \(in phase handshake\); its log says why/],
  ])('capture fails (exit 2) when the master %s', async (_, answer, message) => {
    const server = createServer((socket) => {
      socket.once('data', () => (answer === null ? socket.destroy() : socket.end(answer)));
      socket.on('error', () => undefined);
    });
    const port = await freePort();
    await new Promise<void>((resolve) => server.listen(port, '127.0.0.1', resolve));
    try {
      const { code, stderr } = await runCli(['capture', '--master', `127.0.0.1:${port}`, '--trace', join(dir, 'not-redis.rtrace'), '--duration', '30s']);
      expect(code).toBe(2);
      expect(stderr).toMatch(message);
    } finally {
      server.close();
    }
  });

  it('capture as a process stops on SIGTERM with the trace flushed and the link closed', async () => {
    const master = await startServer({ name: 'term-master', config: { 'repl-diskless-sync-delay': 0 } });
    const trace = join(dir, 'term.rtrace');
    const child = spawnCli(['capture', '--master', master.address, '--trace', trace]);
    const done = collect(child);
    await waitReplicaOnline(master);
    await master.client.call('SET', 'k', 'v');
    await waitReplicaAcked(master);
    child.kill('SIGTERM');
    const { code, stderr } = await done;
    expect(code).toBe(0);
    expect(stderr).toContain('captured 2 commands up to offset'); // SELECT, then SET
    const records = readTraceRecords(trace).records;
    expect(records.at(-1)).toMatchObject({ type: 'link-close', reason: 'SIGTERM', phase: 'stream' });
  });

  it('capture of an unreachable master is a usage error (exit 2)', async () => {
    const { code, stderr } = await runCli(['capture', '--master', `127.0.0.1:${await freePort()}`, '--trace', join(dir, 'none.rtrace')]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot connect to the master 127\.0\.0\.1:\d+: ECONNREFUSED; is a master listening there\?/);
  });

  it('replay PINGs like a master once the recording is used up', async () => {
    const recording = readRecording(join(dir, 'paced.rtrace'));
    const replay = await Replay.start(recording, { speed: 'max', pingPeriodMs: 200 });
    try {
      const replica = await startServer({ name: 'ping-replica' });
      await replica.client.call('REPLICAOF', replay.address.host, replay.address.port);
      // Each PING is 14 bytes of stream past the recording's end.
      await waitFor('two PINGs past the recording', 10_000, async () => Number((await replica.info()).master_repl_offset) >= recording.endOffset + 28);
      expect((Number((await replica.info()).master_repl_offset) - recording.endOffset) % 14).toBe(0);
    } finally {
      await replay.close();
    }
  });

  it('capture with a replid and offset resumes a history: +CONTINUE, no RDB', async () => {
    const master = await startServer({ name: 'resume-master', config: { 'repl-diskless-sync-delay': 0 } });
    const first = startCapture({ master: master.address, trace: join(dir, 'first.rtrace'), commands: 2 });
    await waitReplicaOnline(master);
    await master.client.call('SET', 'a', '1');
    const done = await first.done;
    await master.client.call('SET', 'b', '2');
    const trace = join(dir, 'resumed.rtrace');
    const second = startCapture({ master: master.address, trace, psync: { replid: done.replid!, offset: done.offset! + 1 }, commands: 1 });
    const resumed = await second.done;
    expect(resumed.commands).toBe(1);
    const types = readTraceRecords(trace).records.map((r) => r.type);
    expect(types).toContain('continue');
    expect(types).not.toContain('rdb-begin');
    expect(readTraceRecords(trace).records.find((r) => r.type === 'command')).toMatchObject({ name: 'set', args: [Buffer.from('b'), Buffer.from('2')] });
  });

  it('capture stops after exactly --commands N', async () => {
    const master = await startServer({ name: 'count-master', config: { 'repl-diskless-sync-delay': 0 } });
    const trace = join(dir, 'count.rtrace');
    const capture = startCapture({ master: master.address, trace, commands: 50 });
    await waitReplicaOnline(master);
    await master.client.pipeline(Array.from({ length: 80 }, (_, i) => ['SET', `k${i}`, i]));
    const result = await capture.done;
    expect(result).toMatchObject({ commands: 50, reason: '--commands 50 reached' });
  });

  it('capture acknowledges a transaction only at its EXEC, as redis-server does', async () => {
    const master = await startServer({ name: 'tx-master', config: { 'repl-diskless-sync-delay': 0 } });
    const trace = join(dir, 'tx.rtrace');
    // SELECT and SET, then MULTI: the capture stops inside the transaction and acknowledges once more.
    const capture = startCapture({ master: master.address, trace, commands: 3 });
    await waitReplicaOnline(master);
    await master.client.call('SET', 'before', 'tx');
    expect(await master.client.call('WAIT', 1, 5000)).toBe(1);
    const beforeTx = Number((await master.info()).master_repl_offset);
    await master.client.pipeline([['MULTI'], ['SET', 'a', '1'], ['SET', 'b', '2'], ['EXEC']]);
    const result = await capture.done;
    expect(Number((await master.info()).master_repl_offset)).toBeGreaterThan(beforeTx);
    expect(result).toMatchObject({ commands: 3, offset: beforeTx });
    const records = readTraceRecords(trace).records;
    const commands = records.filter((r) => r.type === 'command');
    expect(commands.map((c) => c.name)).toEqual(['select', 'set', 'multi', 'set', 'set', 'exec']);
    const acks = records.filter((r) => r.type === 'ack');
    expect(acks.at(-1)).toMatchObject({ offset: beforeTx });
  });

  it('capture records what the tap records, with source capture, ACKs every second and answers GETACK', async () => {
    const master = await startServer({ name: 'ack-master', config: { 'repl-diskless-sync-delay': 0 } });
    const trace = join(dir, 'acks.rtrace');
    const capture = startCapture({ master: master.address, trace, durationMs: 2500 });
    await waitReplicaOnline(master);
    await master.client.call('SET', 'k', 'v');
    expect(await master.client.call('WAIT', 1, 2000)).toBe(1);
    const result = await capture.done;
    expect(result.reason).toBe('--duration reached');
    const { header, records } = readTraceRecords(trace);
    expect(header).toMatchObject({ source: 'capture', record: 'full', listen: null });
    const types = new Set(records.map((r) => r.type));
    for (const type of ['link-open', 'handshake', 'psync', 'fullresync', 'rdb-begin', 'rdb-end', 'command', 'getack', 'ack', 'raw', 'link-close']) expect(types).toContain(type);
    expect(records.filter((r) => r.type === 'ack').length).toBeGreaterThanOrEqual(2);
  });
});
