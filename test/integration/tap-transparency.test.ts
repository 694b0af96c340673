import { mkdtempSync, rmSync } from 'node:fs';
import { createServer, connect, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { encodeCommand } from '../../src/resp/encode.js';
import { waitFor } from '../../src/servers/wait.js';
import { seededGenerator } from '../../src/random.js';
import { seedDataset, writeMixedWorkload } from '../../src/servers/workload.js';
import { waitCaughtUp } from '../../src/servers/caught-up.js';
import { startTap, type Tap } from '../../src/tap/tap.js';
import type { LinkEvent } from '../../src/link/events.js';
import { openTrace, readTraceRecords } from '../../src/trace/reader.js';
import type { StoredRecord } from '../../src/trace/format.js';
import type { RedisServer } from '../../src/servers/redis-server.js';
import { caughtUp, ofType, replicate, startCluster, startServer, useClusters } from '../support/cluster.js';

useClusters();

describe('transparency', () => {
  it('forwards every byte unchanged both ways over a >= 100 MB RDB and >= 100k propagated commands', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'repltap-transparency-'));
    const trace = join(dir, 'meta.rtrace');
    const c = await startCluster({ 'repl-diskless-sync': 'yes', rdbcompression: 'no' }, { digests: true, record: 'meta', trace });
    await c.master.client.call('DEBUG', 'POPULATE', 105_000, 'big', 1000);
    await replicate(c);
    await writeMixedWorkload(c.master.client, { commands: 100_000, dbs: 4, seed: 3, batch: 1000 });
    const offset = await caughtUp(c, 120_000);
    const [link] = c.tap.links();
    expect(link!.digests!.m2r.read).toBe(link!.digests!.m2r.written);
    expect(link!.digests!.r2m.read).toBe(link!.digests!.r2m.written);
    expect(ofType(c.events, 'rdb-end')[0]!.bytes).toBeGreaterThanOrEqual(100_000_000);
    expect(ofType(c.events, 'command').length).toBeGreaterThanOrEqual(100_000);
    expect(ofType(c.events, 'decode-error')).toEqual([]);
    expect(Number((await c.replica.info()).master_repl_offset)).toBe(offset);
    expect(await c.replica.digest()).toBe(await c.master.digest());
    // At --record meta the stream is stored in command batches: read back, they are the events the listener saw.
    await c.tap.close();
    const stored = new Set([...openTrace(trace).storedRecords()].map((r) => r.type));
    expect(stored.has('command-batch')).toBe(true);
    expect(stored.has('command')).toBe(true);
    expect(readTraceRecords(trace).records).toEqual(c.events);
    rmSync(dir, { recursive: true, force: true });
  });
});

describe('read memory', () => {
  // With --rdb none the payload is only framed and measured; decoding keys, the decoder copies the
  // partial record or frame it holds when asked. Either way a pool can be let go once its writes
  // are done, which on loopback is nearly always: reuses far outnumber allocations.
  it.each(['none', 'keys'] as const)('is reused when nothing points into it (--rdb %s), and the trace records exactly what a tap that never reuses it records', async (rdb) => {
    const dir = mkdtempSync(join(tmpdir(), 'repltap-reuse-'));
    const master = await startServer({ name: 'test-master', config: { 'repl-diskless-sync': 'yes', 'repl-diskless-sync-delay': 0, rdbcompression: 'no' } });
    await seedDataset(master.client, 200);
    await master.client.call('DEBUG', 'POPULATE', 30_000, 'big', 1000);
    // Two links to one master. The first tap has an `event` listener through the sync, which may
    // keep events and the chunks they point into, so that tap never reuses read memory, even once
    // the listener is gone; the second has none.
    const links: { name: string; tap: Tap; replica: RedisServer }[] = [];
    try {
      for (const name of ['kept', 'reused']) {
        const tap = await startTap({ master: master.address, trace: join(dir, `${name}.rtrace`), record: 'commands', rdb, digests: true });
        const replica = await startServer({ name: `test-replica-${name}` });
        links.push({ name, tap, replica });
        const listener = (): void => {};
        if (name === 'kept') tap.on('event', listener);
        await replica.client.call('REPLICAOF', tap.address.host, tap.address.port);
        await waitFor('the replica to sync through the tap', 60_000, async () => (await replica.info()).master_link_status === 'up');
        tap.off('event', listener);
      }
      const atSync = links.map(({ tap }) => tap.links()[0]!.masterReads);
      await writeMixedWorkload(master.client, { commands: 20_000, dbs: 4, seed: 8, batch: 500 });
      for (const [i, { tap, replica }] of links.entries()) {
        await waitCaughtUp(master, replica, tap, 60_000);
        const [link] = tap.links();
        // During the RDB the tap left the master unread for a moment after reads that emptied its
        // socket; in the stream it never does, however many reads the workload took.
        expect(atSync[i]!.pauses).toBeGreaterThan(0);
        expect(link!.masterReads.pauses).toBe(atSync[i]!.pauses);
        expect(link!.masterReads.reads).toBeGreaterThan(atSync[i]!.reads);
        expect(link!.digests!.m2r.read).toBe(link!.digests!.m2r.written);
        expect(link!.digests!.r2m.read).toBe(link!.digests!.r2m.written);
        expect(await replica.digest()).toBe(await master.digest());
      }
      expect(links[0]!.tap.links()[0]!.readPools.reused).toBe(0);
      const pools = links[1]!.tap.links()[0]!.readPools;
      expect(pools.reused, JSON.stringify(pools)).toBeGreaterThan(pools.allocated);
      for (const { tap } of links) await tap.close();
      const [kept, reused] = links.map(({ name }) => {
        const brief = (r: StoredRecord): string | null => {
          if (r.type === 'rdb-key') return `key ${r.db} ${Buffer.from(r.key).toString('hex')} ${r.valueType}/${r.encoding} ${r.expiry} ${r.length}`;
          if (r.type === 'command') return `command ${r.offset} ${r.db} ${r.name} ${(r.args ?? []).map((a) => Buffer.from(a).toString('hex')).join(' ')}`;
          if (r.type === 'decode-error') return `decode-error ${r.message}`;
          return null;
        };
        const briefs = readTraceRecords(join(dir, `${name}.rtrace`)).records.map(brief);
        return { keys: briefs.filter((b) => b?.startsWith('key')).sort(), rest: briefs.filter((b) => b !== null && !b.startsWith('key')) };
      });
      // seedDataset: 9 keys per index in each of 3 dbs.
      expect(kept!.keys.length).toBe(rdb === 'keys' ? 30_000 + 27 * 200 : 0);
      expect(kept!.rest.length).toBeGreaterThanOrEqual(20_000);
      expect(reused!.keys).toEqual(kept!.keys);
      expect(reused!.rest).toEqual(kept!.rest);
    } finally {
      for (const { tap } of links) await tap.close();
      rmSync(dir, { recursive: true, force: true });
    }
  });
});

/** A byte source/sink standing in for a peer that sends garbage (not a Redis stand-in: it never speaks RESP). */
interface RawPeer {
  server: Server;
  port: number;
  received: Buffer[];
  sockets: Socket[];
}

const peers: RawPeer[] = [];
const taps: Tap[] = [];
afterEach(async () => {
  for (const tap of taps.splice(0)) await tap.close();
  for (const peer of peers.splice(0)) {
    for (const s of peer.sockets) s.destroy();
    peer.server.close();
  }
});

async function rawPeer(reply: Buffer): Promise<RawPeer> {
  const peer: RawPeer = { server: createServer(), port: 0, received: [], sockets: [] };
  peer.server.on('connection', (socket) => {
    peer.sockets.push(socket);
    socket.on('data', (d) => peer.received.push(d));
    socket.write(reply);
  });
  await new Promise<void>((resolve) => peer.server.listen(0, '127.0.0.1', resolve));
  peer.port = (peer.server.address() as { port: number }).port;
  peers.push(peer);
  return peer;
}

const random = seededGenerator(99);
const noise = (n: number): Buffer => Buffer.from(Array.from({ length: n }, () => Math.floor(random() * 256)));

describe('garbage from either side', () => {
  it.each([
    ['random bytes', noise(5000), noise(5000)],
    ['truncated frames', Buffer.from('*3\r\n$3\r\nSET\r\n$1'), Buffer.from('+FULLRESYNC abc')],
    ['claimed huge lengths', Buffer.concat([Buffer.from('*1\r\n$99999999999\r\n'), noise(3000)]), Buffer.concat([Buffer.from('+FULLRESYNC x 0\r\n$99999999999\r\n'), noise(3000)])],
    ['a handshake then garbage', Buffer.concat([encodeCommand(['PING']), noise(2000)]), Buffer.concat([Buffer.from('+PONG\r\n-ERR x\r\n\x00\x01garbage\r\n'), noise(2000)])],
  ])('%s: forwarded unchanged, recorded as decode-error, the tap keeps serving', async (_name, fromReplica, fromMaster) => {
    const master = await rawPeer(fromMaster);
    const tap = await startTap({ master: `127.0.0.1:${master.port}` });
    taps.push(tap);
    const events: LinkEvent[] = [];
    tap.on('event', (e) => events.push(e));
    for (let round = 0; round < 2; round++) {
      const replica = connect({ host: '127.0.0.1', port: tap.address.port });
      const got: Buffer[] = [];
      replica.on('data', (d) => got.push(d));
      replica.write(fromReplica);
      await waitFor('the garbage to cross the tap both ways', 10_000, () => Buffer.concat(got).length >= fromMaster.length && Buffer.concat(master.received).length >= fromReplica.length * (round + 1));
      expect(Buffer.concat(got).equals(fromMaster)).toBe(true);
      expect(Buffer.concat(master.received).subarray(fromReplica.length * round).equals(fromReplica)).toBe(true);
      replica.destroy();
      await waitFor('the link to close', 10_000, () => ofType(events, 'link-close').length === round + 1);
    }
    const errors = ofType(events, 'decode-error');
    expect(errors.length).toBeGreaterThan(0);
    for (const e of errors) expect(e.at).toBeGreaterThanOrEqual(0);
    expect(ofType(events, 'link-close').map((e) => e.bytes)).toEqual([
      { m2r: fromMaster.length, r2m: fromReplica.length },
      { m2r: fromMaster.length, r2m: fromReplica.length },
    ]);
  });
});
