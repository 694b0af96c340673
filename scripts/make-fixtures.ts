/**
 * Captures replication links between real redis-server processes through the tap and writes them
 * to fixtures/links/: the exact chunks each way in arrival order, plus what the servers themselves
 * reported at the end (INFO replication, DBSIZE), for decoder tests to check against.
 *
 *   npm run fixtures            (needs redis-server on PATH; rewrites fixtures/links/*.msgpack)
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { pack } from 'msgpackr';
import { readTraceRecords } from '../src/trace/reader.js';
import { RedisServer } from '../src/servers/redis-server.js';
import { waitCaughtUp } from '../src/servers/caught-up.js';
import { waitFor } from '../src/servers/wait.js';
import { seedDataset, writeMixedWorkload } from '../src/servers/workload.js';
import { startTap, type Tap } from '../src/tap/tap.js';
import type { LinkFixture } from '../test/support/link-fixture.js';

const outDir = join(import.meta.dirname, '..', 'fixtures', 'links');

interface Capture {
  master: RedisServer;
  replica: RedisServer;
  tap: Tap;
}

function caughtUp({ master, replica, tap }: Capture): Promise<number> {
  return waitCaughtUp(master, replica, tap, 30_000);
}

async function capture(
  name: string,
  description: string,
  masterConfig: Record<string, string | number>,
  replicaConfig: Record<string, string | number>,
  run: (c: Capture) => Promise<number>,
): Promise<void> {
  const tracePath = join(tmpdir(), `repltap-fixture-${name}.rtrace`);
  const master = await RedisServer.start({ name: 'fixture-master', config: masterConfig });
  const replica = await RedisServer.start({ name: 'fixture-replica', config: replicaConfig });
  const tap = await startTap({ master: master.address, trace: tracePath, record: 'full' });
  try {
    const link = await run({ master, replica, tap });
    const info = await master.info();
    const replicaInfo = await replica.info();
    const server = await master.info('server');
    await tap.close();
    const { records } = readTraceRecords(tracePath);
    const chunks = records.flatMap((r) => (r.type === 'raw' && r.link === link ? [{ dir: r.dir, data: Buffer.from(r.data) }] : []));
    const fixture: LinkFixture = {
      name,
      description,
      redisVersion: server.redis_version ?? '?',
      chunks,
      expected: {
        masterReplid: info.master_replid ?? '',
        masterReplOffset: Number(info.master_repl_offset),
        replicaOffset: Number(replicaInfo.master_repl_offset),
        dbsize: Number(await master.client.call('DBSIZE')),
      },
    };
    writeFileSync(join(outDir, `${name}.msgpack`), pack(fixture));
    console.log(`${name}: ${chunks.length} chunks, ${chunks.reduce((n, c) => n + c.data.length, 0)} bytes, master offset ${fixture.expected.masterReplOffset}`);
  } finally {
    await tap.close();
    await replica.stop();
    await master.stop();
    rmSync(tracePath, { force: true });
  }
}

async function fullSyncWithTraffic(c: Capture): Promise<number> {
  await seedDataset(c.master.client, 20);
  await c.replica.client.call('REPLICAOF', c.tap.address.host, c.tap.address.port);
  await waitFor('sync', 30_000, async () => (await c.replica.info()).master_link_status === 'up');
  await writeMixedWorkload(c.master.client, { commands: 400, seed: 7 });
  // WAIT makes the master send REPLCONF GETACK *; a lowercase ping follows within a second.
  await c.master.client.call('WAIT', 1, 2000);
  await new Promise((r) => setTimeout(r, 1200));
  await caughtUp(c);
  return 1;
}

mkdirSync(outDir, { recursive: true });

await capture(
  'diskless-full-sync',
  'Redis 7.0 diskless full sync ($EOF: framing), mixed writes over 4 dbs with MULTI/EXEC, GETACK from WAIT, pings every second',
  { 'repl-diskless-sync': 'yes', 'repl-diskless-sync-delay': 0, 'repl-ping-replica-period': 1 },
  {},
  fullSyncWithTraffic,
);

await capture(
  'disk-full-sync',
  'Redis 7.0 disk-based full sync ($<len> framing, no CRLF after the payload) with keep-alive newlines while a slowed BGSAVE runs',
  { 'repl-diskless-sync': 'no', 'rdb-key-save-delay': 3000, 'repl-ping-replica-period': 1 },
  {},
  fullSyncWithTraffic,
);

await capture(
  'partial-resync',
  'Redis 7.0 partial resync: the replica reconnects after CLIENT KILL TYPE master and gets +CONTINUE <replid> with the backlog',
  { 'repl-diskless-sync': 'yes', 'repl-diskless-sync-delay': 0 },
  {},
  async (c) => {
    await c.replica.client.call('REPLICAOF', c.tap.address.host, c.tap.address.port);
    await waitFor('sync', 30_000, async () => (await c.replica.info()).master_link_status === 'up');
    await writeMixedWorkload(c.master.client, { commands: 200, seed: 3 });
    await caughtUp(c);
    await c.replica.client.call('CLIENT', 'KILL', 'TYPE', 'master');
    await writeMixedWorkload(c.master.client, { commands: 200, seed: 4 });
    await waitFor('reconnect', 30_000, async () => (await c.replica.info()).master_link_status === 'up' && c.tap.links().some((l) => l.id === 2));
    await caughtUp(c);
    return 2;
  },
);

await capture(
  'auth-handshake',
  'Redis 7.0 handshake with masterauth against a requirepass master: pipelined AUTH and REPLCONFs before any reply',
  { 'repl-diskless-sync': 'yes', 'repl-diskless-sync-delay': 0, requirepass: 's3cret-pass' },
  { masterauth: 's3cret-pass' },
  async (c) => {
    await c.replica.client.call('REPLICAOF', c.tap.address.host, c.tap.address.port);
    await waitFor('sync', 30_000, async () => (await c.replica.info()).master_link_status === 'up');
    await writeMixedWorkload(c.master.client, { commands: 50, seed: 5 });
    await caughtUp(c);
    return 1;
  },
);
