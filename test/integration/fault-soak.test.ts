import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RecordLevel } from '../../src/link/events.js';
import { seededGenerator } from '../../src/random.js';
import { sleep, waitFor } from '../../src/servers/wait.js';
import { seedDataset, writeMixedWorkload } from '../../src/servers/workload.js';
import { readTraceRecords } from '../../src/trace/reader.js';
import { ofType, startCluster, useClusters, type Cluster } from '../support/cluster.js';

useClusters();
const dir = mkdtempSync(join(tmpdir(), 'repltap-soak-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const ROUNDS = 8;

/**
 * A disconnect that waits only for time (it acts whatever the link is doing), then up to two faults
 * at random moments of any phase. None of them changes a byte that gets through: `corrupt` would
 * (in the stream nothing would catch it and the data would differ), and so would dropping the
 * master's PINGs or GETACKs (the replica's offset would stay short of the master's by their bytes).
 */
function randomFaults(random: () => number): object[] {
  const pick = <T>(choices: readonly T[]): T => choices[Math.floor(random() * choices.length)]!;
  const faults: object[] = [{ action: 'disconnect', when: { afterMs: Math.floor(random() * 400) }, params: { reset: random() < 0.5 } }];
  for (let n = Math.floor(random() * 3); n > 0; n--) {
    const phase = pick(['handshake', 'sync-wait', 'rdb', 'stream', undefined] as const);
    const when: Record<string, unknown> = phase === undefined ? {} : { phase };
    if (random() < 0.4) when.afterBytes = Math.floor(random() * 20_000);
    const direction = pick(['m2r', 'r2m', 'both'] as const);
    const action = pick(['delay', 'throttle', 'freeze', 'slice', 'drop', 'rewrite-psync', 'disconnect'] as const);
    if (action === 'delay') faults.push({ action, direction, when, params: { ms: Math.floor(random() * 50) } });
    if (action === 'throttle') faults.push({ action, direction, when, params: { bytesPerSec: 20_000 + Math.floor(random() * 200_000) } });
    if (action === 'freeze') faults.push({ action, direction, when, params: { durationMs: Math.floor(random() * 1500) } });
    if (action === 'slice') faults.push({ action, direction, when, params: { bytes: 1 + Math.floor(random() * 100), intervalMs: Math.floor(random() * 3) } });
    if (action === 'drop') faults.push({ action, direction: 'r2m', when, params: { frames: 'ack' } });
    if (action === 'rewrite-psync') faults.push({ action, direction: 'r2m', when });
    if (action === 'disconnect') faults.push({ action, direction, when, params: { reset: random() < 0.5 } });
  }
  return faults;
}

/** The replica is linked, done syncing, at the master's offset, and holds the same data. */
async function converged(c: Cluster, what: string): Promise<void> {
  await waitFor(`${what}: the replica to resync and catch up`, 60_000, async () => {
    const [master, replica] = [await c.master.info(), await c.replica.info()];
    return replica.master_link_status === 'up' && replica.master_sync_in_progress === '0' && replica.master_repl_offset === master.master_repl_offset ? true : undefined;
  }, 25);
  expect(await c.replica.digest(), what).toBe(await c.master.digest());
}

describe('random faults on a live link', () => {
  it.each([
    ['disk-based RDB, --record commands', 'no', 'commands', 11],
    ['diskless RDB, --record full', 'yes', 'full', 12],
    ['diskless RDB, --record meta', 'yes', 'meta', 13],
  ] as [string, string, RecordLevel, number][])(
    '%s: the replica never sees a malformed stream, converges to the master once the faults are removed, and the trace reads whole',
    async (_, diskless, record, seed) => {
      const random = seededGenerator(seed);
      const trace = join(dir, `${seed}.rtrace`);
      const c = await startCluster(
        // A small backlog and short timeouts, so that cuts end in full syncs as well as partial ones.
        { 'repl-diskless-sync': diskless, 'repl-backlog-size': '64kb', 'repl-timeout': 5, 'repl-ping-replica-period': 1 },
        { trace, record },
        { 'repl-timeout': 5 },
      );
      await seedDataset(c.master.client, 200);
      await c.replica.client.call('REPLICAOF', c.tap.address.host, c.tap.address.port);
      await converged(c, 'the first sync');
      for (let round = 1; round <= ROUNDS; round++) {
        const faults = randomFaults(random);
        const [cut] = faults.map((fault) => c.tap.addFault(fault));
        await writeMixedWorkload(c.master.client, { commands: 500 + Math.floor(random() * 2500), seed: seed * 100 + round, batch: 50 });
        await sleep(Math.floor(random() * 600));
        await waitFor(`round ${round}: its disconnect to act`, 10_000, () => c.tap.faults().some((f) => f.id === cut!.id && f.acts > 0));
        c.tap.resetFaults();
        await converged(c, `round ${round} (${JSON.stringify(faults)})`);
      }
      // After all the cuts, the live link still says whether its replica is behind: not once it ACKed all the tap sent it.
      // The replica ACKs once a second and the master PINGs once a second, each on its own clock:
      // should the ACKs fall just after the PINGs, each would miss the PING still on its way, for as
      // long as the two clocks keep step. With a PING every 3 s (under repl-timeout), two ACKs in three
      // have none on the way.
      await c.master.client.call('CONFIG', 'SET', 'repl-ping-replica-period', '3');
      const live = await waitFor('an ACK of all the master sent', 10_000, async () => {
        const link = c.tap.links().find((l) => l.ackOffset !== null && l.ackOffset === l.masterOffset);
        if (link) return link;
        const [master, replica] = [await c.master.info(), await c.replica.info()];
        const links = c.tap.links().map((l) => `link ${l.id} ${l.phase}: master offset ${l.masterOffset}, ack ${l.ackOffset}`);
        throw new Error(`${links.join('; ') || 'no link'}; the master at ${master.master_repl_offset}, the replica at ${replica.master_repl_offset}`);
      });
      expect(live.unconfirmedSince).toBeNull();
      await c.tap.close();

      // What the replica says when the bytes it got from its master were not what the master sent.
      expect(c.replica.log().split('\n').filter((line) => /Protocol error|stream corruption|Bad protocol/.test(line))).toEqual([]);
      const opened = ofType(c.events, 'link-open').length;
      expect(opened).toBeGreaterThan(ROUNDS);
      const { records, warnings } = readTraceRecords(trace);
      expect(warnings).toEqual([]);
      expect(records.filter((r) => r.type === 'fault')).toHaveLength(ofType(c.events, 'fault').length);
      expect(records.filter((r) => r.type === 'link-close')).toHaveLength(opened);
    },
    240_000,
  );
});
