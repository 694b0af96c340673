import { spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import type { RdbKeyEvent } from '../../src/link/events.js';
import { TraceWriteError } from '../../src/trace/errors.js';
import { openTrace, readTraceRecords } from '../../src/trace/reader.js';
import { freePort } from '../../src/servers/redis-server.js';
import { sleep, waitFor } from '../../src/servers/wait.js';
import { startTap } from '../../src/tap/tap.js';
import { seedDataset, writeMixedWorkload } from '../../src/servers/workload.js';
import { summaries } from '../support/summaries.js';
import { runCli } from '../support/cli.js';
import { renderTimeline } from '../../src/cli/render-timeline.js';
import { caughtUp, ofType, replicate, startCluster, startServer, useClusters, type Cluster } from '../support/cluster.js';

useClusters();

/** Keys in the master's databases (seedDataset writes to dbs 0, 1 and 5). */
async function masterKeys(c: Cluster): Promise<number> {
  let keys = 0;
  for (const db of [0, 1, 5]) {
    await c.master.client.call('SELECT', db);
    keys += Number(await c.master.client.call('DBSIZE'));
  }
  return keys;
}

describe('a replica syncing from a real redis-server 7.0 through the tap', () => {
  it.each([
    ['yes', 'eof'],
    ['no', 'length'],
  ])('full sync with repl-diskless-sync %s: identical data, the master replid, %s framing', async (diskless, framing) => {
    const c = await startCluster({ 'repl-diskless-sync': diskless });
    await seedDataset(c.master.client, 200);
    await replicate(c);
    await caughtUp(c);
    expect(await c.replica.digest()).toBe(await c.master.digest());
    const info = await c.master.info();
    expect(ofType(c.events, 'fullresync').map((e) => e.replid)).toEqual([info.master_replid]);
    expect(ofType(c.events, 'rdb-begin').map((e) => e.framing)).toEqual([framing]);
    expect(ofType(c.events, 'rdb-end')[0]!.rdbVersion).toBe(10);
    expect(ofType(c.events, 'decode-error')).toEqual([]);
  });

  it("after thousands of mixed writes the last ACK equals master_repl_offset and every offset fits the master's count", async () => {
    const c = await startCluster({ 'repl-diskless-sync': 'yes' });
    await replicate(c);
    await writeMixedWorkload(c.master.client, { commands: 5000, dbs: 6, seed: 11 });
    // Expiring keys and a short-lived one that the master expires and propagates as DEL.
    await c.master.client.call('SET', 'soon', 'x', 'PX', 20);
    await waitFor('the expiry of "soon"', 5000, async () => (await c.master.client.call('EXISTS', 'soon')) === 0);
    const offset = await caughtUp(c);
    const acks = ofType(c.events, 'ack');
    expect(acks.at(-1)!.offset).toBe(offset);
    expect(Number((await c.replica.info()).master_repl_offset)).toBe(offset);
    const stream = c.events.filter((e) => e.type === 'command' || e.type === 'ping' || e.type === 'getack') as { offset: number; size: number }[];
    let at = ofType(c.events, 'fullresync')[0]!.offset;
    for (const e of stream) {
      expect(e.offset).toBe(at + e.size);
      at = e.offset;
    }
    expect(at).toBe(offset);
    const commands = ofType(c.events, 'command');
    const names = new Set(commands.map((e) => e.name));
    for (const name of ['select', 'multi', 'exec', 'set', 'xadd', 'hset', 'del']) expect(names, name).toContain(name);
    expect(new Set(commands.map((e) => e.db))).toEqual(new Set([0, 1, 2, 3, 4, 5]));
    expect(await c.replica.digest()).toBe(await c.master.digest());
  });

  it('a cut link resyncs partially through the tap: psync then continue, no second RDB', async () => {
    const c = await startCluster({ 'repl-diskless-sync': 'yes' });
    await seedDataset(c.master.client, 20);
    await replicate(c);
    await writeMixedWorkload(c.master.client, { commands: 500, seed: 1 });
    const before = await caughtUp(c);
    await c.replica.client.call('CLIENT', 'KILL', 'TYPE', 'master');
    await writeMixedWorkload(c.master.client, { commands: 500, seed: 2 });
    await waitFor('the second link', 30_000, () => ofType(c.events, 'continue').length === 1);
    await caughtUp(c);
    expect(ofType(c.events, 'psync').at(-1)).toMatchObject({ link: 2, replid: (await c.master.info()).master_replid, offset: before + 1 });
    expect(ofType(c.events, 'continue')).toMatchObject([{ link: 2, offset: before }]);
    expect(ofType(c.events, 'rdb-begin')).toHaveLength(1);
    expect(ofType(c.events, 'link-close').map((e) => [e.link, e.reason])).toEqual([[1, 'replica closed the connection']]);
    expect(await c.replica.digest()).toBe(await c.master.digest());
  });

  it('decodes the RDB as it streams: the trace holds AUX fields and every key (in batches), as many as DBSIZE says', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'repltap-rdb-trace-'));
    try {
      const trace = join(dir, 'sync.rtrace');
      const c = await startCluster({ 'repl-diskless-sync': 'no' }, { trace, record: 'commands' });
      await seedDataset(c.master.client, 100);
      await c.master.client.call('SET', 'big', 'x'.repeat(3_000_000));
      await replicate(c);
      await caughtUp(c);
      const dbsize = await masterKeys(c);
      await c.tap.close();
      const { records } = readTraceRecords(trace);
      const end = records.find((r) => r.type === 'rdb-end');
      expect(end).toMatchObject({ keys: dbsize, checksum: 'unchecked' });
      const keys = records.filter((r): r is RdbKeyEvent => r.type === 'rdb-key');
      expect(keys).toHaveLength(dbsize);
      // Stored column by column, a batch per chunk; read back, the very keys live listeners saw.
      const stored = openTrace(trace);
      const kinds = new Set([...stored.storedRecords()].map((r) => r.type));
      stored.close();
      expect(kinds.has('rdb-keys') && !kinds.has('rdb-key')).toBe(true);
      const brief = (e: RdbKeyEvent): string => `${e.db} ${Buffer.from(e.key).toString('latin1')} ${e.valueType}/${e.encoding} ${e.expiry} ${e.length}`;
      expect(keys.map(brief)).toEqual(ofType(c.events, 'rdb-key').map(brief));
      expect(Object.keys((end as { types: Record<string, number> }).types).sort()).toEqual(['hash', 'list', 'set', 'stream', 'string', 'zset']);
      const aux = records.filter((r) => r.type === 'rdb-aux').map((r) => (r as { key: string }).key);
      expect(aux).toEqual(expect.arrayContaining(['redis-ver', 'repl-id', 'repl-offset']));
      expect(records.filter((r) => r.type === 'decode-error')).toEqual([]);
      expect(await c.replica.digest()).toBe(await c.master.digest());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each([
    ['summary', true],
    ['none', false],
  ] as const)('with --rdb %s the trace keeps no record per key (counts: %s)', async (rdb, counts) => {
    const dir = mkdtempSync(join(tmpdir(), 'repltap-rdb-depth-'));
    try {
      const trace = join(dir, 'sync.rtrace');
      const c = await startCluster({ 'repl-diskless-sync': 'yes' }, { trace, record: 'commands', rdb });
      await seedDataset(c.master.client, 50);
      await replicate(c);
      await caughtUp(c);
      const dbsize = await masterKeys(c);
      await c.tap.close();
      const { header, records } = readTraceRecords(trace);
      expect(header.rdb).toBe(rdb);
      expect(records.filter((r) => r.type === 'rdb-key')).toEqual([]);
      expect(records.some((r) => r.type === 'rdb-aux')).toBe(counts);
      expect(records.find((r) => r.type === 'rdb-end')).toMatchObject({ keys: counts ? dbsize : null, rdbVersion: 10 });
      expect(await c.replica.digest()).toBe(await c.master.digest());
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it.each(['commands', 'full'] as const)('at --record %s the trace stores the stream as command runs and reads back to the events listeners saw', async (record) => {
    const dir = mkdtempSync(join(tmpdir(), 'repltap-runs-'));
    try {
      const trace = join(dir, 'stream.rtrace');
      const c = await startCluster({ 'repl-diskless-sync': 'yes' }, { trace, record });
      await replicate(c);
      await writeMixedWorkload(c.master.client, { commands: 3000, dbs: 4, seed: 5 });
      const offset = await caughtUp(c);
      await c.tap.close();
      const file = openTrace(trace);
      const stored = [...file.storedRecords()];
      file.close();
      const runs = stored.filter((r) => r.type === 'command-run');
      expect(runs.length).toBeGreaterThan(0);
      // At full the raw records hold the stream's bytes: runs refer to them instead of copying them.
      expect(runs.every((r) => (record === 'full' ? r.data === undefined && r.length > 0 : r.data !== undefined))).toBe(true);
      const streamOf = (events: { type: string }[]): unknown[] =>
        events.filter((e) => ['command', 'ping', 'getack', 'keepalive'].includes(e.type)).map((e) => ('args' in e && Array.isArray(e.args) ? { ...e, args: e.args.map((a: Uint8Array) => Buffer.from(a)) } : e));
      const read = readTraceRecords(trace).records;
      expect(streamOf(read)).toEqual(streamOf(c.events));
      expect(ofType(read as typeof c.events, 'ack').at(-1)!.offset).toBe(offset);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });

  it('redis-cli --rdb through the tap: the snapshot it saves is the RDB the trace measured, and the timeline says a tool took it', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'repltap-rdb-only-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const c = await startCluster({ 'repl-diskless-sync': 'yes' });
    await seedDataset(c.master.client, 40);
    const saved = join(dir, 'snapshot.rdb');
    const cli = await new Promise<{ code: number | null; out: string }>((resolve) => {
      const child = spawn('redis-cli', ['-h', c.tap.address.host, '-p', String(c.tap.address.port), '--rdb', saved], { stdio: ['ignore', 'pipe', 'pipe'] });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.stderr.on('data', (d: Buffer) => (out += d.toString()));
      child.on('close', (code) => resolve({ code, out }));
    });
    expect(cli.code, cli.out).toBe(0);
    await waitFor('the link to close', 10_000, () => ofType(c.events, 'link-close').length === 1);
    expect(ofType(c.events, 'sync')).toHaveLength(1);
    expect(ofType(c.events, 'rdb-begin')).toMatchObject([{ framing: 'eof' }]);
    const end = ofType(c.events, 'rdb-end')[0]!;
    expect(end.bytes).toBe(readFileSync(saved).length);
    expect(end.keys).toBe(await masterKeys(c));
    const summary = await runCli(['rdb', saved, '--json', '--summary']);
    expect(summary.code).toBe(0);
    expect(JSON.parse(summary.stdout.trim().split('\n').at(-1)!)).toMatchObject({ keys: end.keys, checksum: 'ok' });
    const timeline = renderTimeline(summaries(c.events));
    expect(timeline).toContain('SYNC → the RDB (SYNC has no reply line): full resync\n');
    expect(timeline).toContain('why: SYNC (without PSYNC) always means a full sync; the client asked for the RDB alone (REPLCONF rdb-only 1): a tool taking a snapshot, such as redis-cli --rdb, not a replica\n');
  });

  it("redis-cli --replica through the tap: the commands it prints, with the offsets it does not, counted from 0 after its SYNC", async () => {
    const c = await startCluster({ 'repl-diskless-sync': 'yes' });
    const child = spawn('redis-cli', ['-h', c.tap.address.host, '-p', String(c.tap.address.port), '--replica'], { stdio: ['ignore', 'pipe', 'pipe'] });
    onTestFinished(() => void child.kill());
    // Its progress goes to stderr, the commands to stdout.
    let [printed, progress] = ['', ''];
    child.stdout.on('data', (d: Buffer) => (printed += d.toString()));
    child.stderr.on('data', (d: Buffer) => (progress += d.toString()));
    await waitFor('redis-cli to log commands', 10_000, () => progress.includes('Logging commands from master'));
    await c.master.client.call('SET', 'watched', 'value');
    await c.master.client.call('INCR', 'counter');
    // As the master propagates them: the client's spelling (repltap lowercases the names it records).
    await waitFor('redis-cli to print both writes', 10_000, () => printed.includes('"SET","watched","value"\n"INCR","counter"\n'));
    child.kill();
    await waitFor('the link to close', 10_000, () => ofType(c.events, 'link-close').length === 1);
    const commands = ofType(c.events, 'command');
    expect(commands.map((e) => [e.name, ...(e.args ?? []).map((a) => Buffer.from(a).toString())])).toEqual([['select', '0'], ['set', 'watched', 'value'], ['incr', 'counter']]);
    // The master's PINGs count too: every stream frame ends where the one before it did, plus its size.
    let offset = 0;
    for (const e of c.events) if (e.type === 'command' || e.type === 'ping') expect(e.offset).toBe((offset += e.size));
    const timeline = renderTimeline(summaries(c.events));
    expect(timeline).toContain(`  stream       offsets 0 → ${offset}: 3 commands (select 1, set 1, incr 1)\n`);
    // It acknowledges once, at 0, and never what it goes on to read.
    const acks = ofType(c.events, 'ack');
    expect(acks.length).toBeGreaterThan(0);
    expect(acks.every((a) => a.offset === 0)).toBe(true);
    expect(timeline).toContain('the client asked for an RDB without keys (REPLCONF rdb-filter-only ""): a tool watching the stream, such as redis-cli --replica, not a replica');
  });

  it('tap.disconnect() cuts one link with its reason; the replica comes back with a partial resync', async () => {
    const c = await startCluster({ 'repl-diskless-sync': 'yes' });
    await replicate(c);
    await writeMixedWorkload(c.master.client, { commands: 200, seed: 8 });
    await caughtUp(c);
    expect(c.tap.disconnect(1, 'cut by the test')).toBe(true);
    expect(c.tap.disconnect(99)).toBe(false);
    await waitFor('the second link', 30_000, () => ofType(c.events, 'continue').length === 1);
    expect(ofType(c.events, 'link-close')[0]).toMatchObject({ link: 1, reason: 'cut by the test' });
    await caughtUp(c);
    expect(await c.replica.digest()).toBe(await c.master.digest());
  });

  it('tap.links() says since when a replica is behind: from the first write it has not confirmed, until it confirms it', async () => {
    const c = await startCluster({ 'repl-diskless-sync': 'yes' });
    await replicate(c);
    await writeMixedWorkload(c.master.client, { commands: 100, seed: 3 });
    await caughtUp(c);
    await waitFor('the replica to confirm everything', 10_000, () => c.tap.links()[0]!.unconfirmedSince === null);
    // The replica stops reading and ACKing for two seconds; the master writes in the meantime.
    const asleep = c.replica.client.call('DEBUG', 'SLEEP', 2);
    await sleep(200);
    const before = Date.now();
    await c.master.client.call('SET', 'while-asleep', '1');
    const after = Date.now();
    await c.master.client.call('SET', 'while-asleep-2', '2');
    await waitFor('the tap to date the unconfirmed writes', 5_000, () => c.tap.links()[0]!.unconfirmedSince !== null);
    const behind = c.tap.links()[0]!;
    expect(behind.masterOffset! - behind.ackOffset!).toBeGreaterThan(0);
    expect(behind.unconfirmedSince).toBeGreaterThanOrEqual(before);
    expect(behind.unconfirmedSince).toBeLessThanOrEqual(after + 100);
    await asleep;
    const offset = await caughtUp(c);
    await waitFor('the ACK of the writes', 10_000, () => c.tap.links()[0]!.ackOffset === offset);
    expect(c.tap.links()[0]!.unconfirmedSince).toBeNull();
  });

  it("inspect's ACK delay on an idle link: the replica's repeated ACKs of the same offset are not counted as delay", async () => {
    const c = await startCluster({ 'repl-diskless-sync': 'yes' });
    await replicate(c);
    await c.master.client.call('SET', 'once', '1');
    await caughtUp(c);
    // Idle: the replica ACKs the same offset every second.
    await sleep(3_500);
    const acks = summaries(c.events)[0]!.acks;
    expect(acks.count).toBeGreaterThanOrEqual(4);
    // One ACK period at the most (a replica ACKs once a second), not the time the link sat idle.
    expect(acks.lagMs!.max).toBeLessThan(1_500);
  });

  it('serves several replicas at once, each on its own link', async () => {
    const c = await startCluster({ 'repl-diskless-sync': 'yes' });
    const second = await startServer({ name: 'test-replica-2' });
    await seedDataset(c.master.client, 20);
    await replicate(c);
    await second.client.call('REPLICAOF', c.tap.address.host, c.tap.address.port);
    await waitFor('the second replica', 30_000, async () => (await second.info()).master_link_status === 'up');
    await writeMixedWorkload(c.master.client, { commands: 300, seed: 5 });
    const offset = Number((await c.master.info()).master_repl_offset);
    await waitFor('both replicas to ACK', 30_000, () => c.tap.links().filter((l) => l.ackOffset === offset).length === 2);
    expect(c.tap.links().map((l) => l.id)).toEqual([1, 2]);
    expect(await second.digest()).toBe(await c.master.digest());
    expect(await c.replica.digest()).toBe(await c.master.digest());
  });

  it.each([false, true])('AUTH at --record full (--record-secrets %s): the replica authenticates; its password is in the trace only when asked for', async (recordSecrets) => {
    const password = 'tap-Secret-9f2c';
    const dir = mkdtempSync(join(tmpdir(), 'repltap-auth-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const trace = join(dir, 'auth.rtrace');
    const c = await startCluster({ requirepass: password }, { trace, record: 'full', recordSecrets }, { masterauth: password });
    await seedDataset(c.master.client, 50);
    await replicate(c);
    await caughtUp(c);
    expect(await c.replica.digest()).toBe(await c.master.digest());
    await c.tap.close();
    expect(readFileSync(trace).includes(password)).toBe(recordSecrets);
    const { records } = readTraceRecords(trace);
    const handshake = records.filter((r) => r.type === 'handshake' && r.dir === 'r2m').map((r) => (r.type === 'handshake' && r.dir === 'r2m' ? r.command : ''));
    expect(handshake).toContain(recordSecrets ? `AUTH ${password}` : 'AUTH (redacted)');
    // The replica's bytes, every one at its position: the password's as many '*' unless kept.
    let at = 0;
    const replicaBytes: Buffer[] = [];
    for (const r of records) {
      if (r.type !== 'raw' || r.dir !== 'r2m') continue;
      expect(r.pos).toBe(at);
      at += r.data.length;
      replicaBytes.push(Buffer.from(r.data));
    }
    const close = records.find((r) => r.type === 'link-close');
    expect(close?.type === 'link-close' && close.bytes.r2m).toBe(at);
    const authFrame = `*2\r\n$4\r\nAUTH\r\n$${password.length}\r\n${recordSecrets ? password : '*'.repeat(password.length)}\r\n`;
    expect(Buffer.concat(replicaBytes).toString('latin1')).toContain(authFrame);
  });

  it('says why a master refuses a replica: a wrong password, a user without the permissions replication needs', async () => {
    const c = await startCluster({ requirepass: 'right' }, {}, { masterauth: 'wrong' });
    await c.master.client.call('ACL', 'SETUSER', 'weak', 'on', '>weakpw', '~*', '+ping', '+replconf');
    const weak = await startServer({ name: 'test-replica-weak', config: { masteruser: 'weak', masterauth: 'weakpw' } });
    await c.replica.client.call('REPLICAOF', c.tap.address.host, c.tap.address.port);
    await weak.client.call('REPLICAOF', c.tap.address.host, c.tap.address.port);
    await waitFor('links of both replicas to close', 15_000, () => {
      const closed = new Set(ofType(c.events, 'link-close').map((e) => e.link));
      const ports = new Set(ofType(c.events, 'link-open').filter((e) => closed.has(e.link)).map((e) => e.replica));
      return ports.size >= 2;
    });
    await c.replica.client.call('REPLICAOF', 'NO', 'ONE');
    await weak.client.call('REPLICAOF', 'NO', 'ONE');
    const closed = summaries(c.events).filter((s) => s.closedAt !== null);
    const causes = new Set(closed.flatMap((s) => [s.handshakeCause?.text, ...s.syncs.map((sync) => sync.cause)]));
    expect(causes).toContain("the master refused the replica's password: check masterauth (and masteruser, for an ACL user) on the replica");
    expect(causes).toContain("the replica's user (masteruser) lacks a permission it needs: grant it +psync +sync +replconf +ping on the master");
  });

  it('startTap rejects a trace it cannot write, and leaves nothing listening', async () => {
    const port = await freePort();
    await expect(startTap({ master: '127.0.0.1:1', listen: `127.0.0.1:${port}`, trace: '/dev/full' })).rejects.toThrow(TraceWriteError);
    const tap = await startTap({ master: '127.0.0.1:1', listen: `127.0.0.1:${port}` });
    expect(tap.address.port).toBe(port);
    await tap.close();
  });

  it('records why a link closed when the master cannot be reached', async () => {
    const c = await startCluster({});
    await c.master.stop();
    await c.replica.client.call('REPLICAOF', c.tap.address.host, c.tap.address.port);
    await waitFor('a link-close', 10_000, () => ofType(c.events, 'link-close').length > 0);
    expect(ofType(c.events, 'link-close')[0]!.reason).toMatch(/^cannot connect to the master 127\.0\.0\.1:\d+: ECONNREFUSED$/);
  });
});
