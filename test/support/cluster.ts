import { afterAll, afterEach } from 'vitest';
import { RedisServer, type RedisServerOptions } from '../../src/servers/redis-server.js';
import { waitCaughtUp } from '../../src/servers/caught-up.js';
import { waitFor } from '../../src/servers/wait.js';
import { startTap, type Tap, type TapOptions } from '../../src/tap/tap.js';
import type { LinkEvent } from '../../src/link/events.js';

/** A master, a replica and a tap between them, all stopped after each test of the file. */
export interface Cluster {
  master: RedisServer;
  replica: RedisServer;
  tap: Tap;
  events: LinkEvent[];
}

const started: { servers: RedisServer[]; taps: Tap[] } = { servers: [], taps: [] };

async function stopAll(): Promise<void> {
  for (const tap of started.taps.splice(0)) await tap.close();
  for (const server of started.servers.splice(0).reverse()) await server.stop();
}

/** Registers cleanup for the calling test file; call once at the top level. */
export function useClusters(): void {
  afterEach(stopAll);
  afterAll(stopAll);
}

export async function startServer(options: RedisServerOptions): Promise<RedisServer> {
  const server = await RedisServer.start(options);
  started.servers.push(server);
  return server;
}

export async function startCluster(
  masterConfig: Record<string, string | number> = {},
  tapOptions: Partial<TapOptions> = {},
  replicaConfig: Record<string, string | number> = {},
): Promise<Cluster> {
  const master = await startServer({ name: 'test-master', config: { 'repl-diskless-sync-delay': 0, ...masterConfig } });
  const replica = await startServer({ name: 'test-replica', config: replicaConfig });
  const tap = await startTap({ master: master.address, ...tapOptions });
  started.taps.push(tap);
  const events: LinkEvent[] = [];
  tap.on('event', (e) => events.push(e));
  return { master, replica, tap, events };
}

export async function replicate(c: Cluster): Promise<void> {
  await c.replica.client.call('REPLICAOF', c.tap.address.host, c.tap.address.port);
  await waitFor('the replica to sync through the tap', 60_000, async () => (await c.replica.info()).master_link_status === 'up');
}

/** Waits until the replica applied the master's offset and acknowledged it through the tap. */
export function caughtUp(c: Cluster, timeoutMs = 60_000): Promise<number> {
  return waitCaughtUp(c.master, c.replica, c.tap, timeoutMs);
}

export function ofType<T extends LinkEvent['type']>(events: LinkEvent[], type: T): Extract<LinkEvent, { type: T }>[] {
  return events.filter((e): e is Extract<LinkEvent, { type: T }> => e.type === type);
}
