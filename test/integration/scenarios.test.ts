import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it, onTestFinished } from 'vitest';
import { findScenario, SCENARIOS } from '../../src/scenarios/index.js';
import type { Verdict } from '../../src/scenarios/scenario.js';
import { runCli } from '../support/cli.js';

async function run(name: string, trace?: string): Promise<Verdict> {
  const verdict = await findScenario(name)!.run(trace === undefined ? {} : { trace });
  const failed = verdict.checks.filter((c) => !c.passed);
  expect(failed, `${name}: ${JSON.stringify(failed)}`).toEqual([]);
  expect(verdict.passed).toBe(true);
  expect(verdict.evidence.digests).toMatchObject({ master: expect.any(String) as string });
  const digests = verdict.evidence.digests as { master: string; replica: string };
  expect(digests.replica).toBe(digests.master);
  return verdict;
}

interface Counters {
  syncFull: number;
  syncPartialOk: number;
  syncPartialErr: number;
}

// Each scenario judges itself; these re-read the servers' own counters and logs from its evidence.
describe('scenarios against redis-server', () => {
  it('lists every scenario once', () => {
    expect(new Set(SCENARIOS.map((s) => s.name)).size).toBe(7);
  });

  it('partial-resync: +CONTINUE, sync_partial_ok + 1, no new full sync', async () => {
    const { evidence } = await run('partial-resync');
    const { before, after } = evidence.master as { before: Counters; after: Counters };
    expect(after.syncPartialOk - before.syncPartialOk).toBe(1);
    expect(after.syncFull).toBe(before.syncFull);
    expect(evidence.masterLog).toEqual(expect.arrayContaining([expect.stringMatching(/Partial resynchronization request .* accepted/)]));
  });

  it('backlog-overflow: the master refuses the PSYNC for lack of backlog', async () => {
    const { evidence } = await run('backlog-overflow');
    const { before, after } = evidence.master as { before: Counters; after: Counters };
    expect(after.syncPartialErr - before.syncPartialErr).toBe(1);
    expect(after.syncFull - before.syncFull).toBe(1);
    expect(evidence.masterLog).toEqual(expect.arrayContaining([expect.stringMatching(/Unable to partial resync .* for lack of backlog/)]));
  });

  it('cut-mid-rdb: two full syncs, the first cut at half the RDB', async () => {
    const { evidence } = await run('cut-mid-rdb');
    const { before, after } = evidence.master as { before: Counters; after: Counters };
    expect(after.syncFull - before.syncFull).toBe(2);
    expect(evidence.replicaLog).toEqual(expect.arrayContaining([expect.stringMatching(/I\/O error trying to sync with MASTER/)]));
  });

  it('timeout: both servers log their own timeout', async () => {
    const { evidence } = await run('timeout');
    expect(evidence.masterLog).toEqual(expect.arrayContaining([expect.stringMatching(/Disconnecting timedout replica/)]));
    expect(evidence.replicaLog).toEqual(expect.arrayContaining([expect.stringMatching(/MASTER timeout: no data nor PING received/)]));
  });

  it('sync-loop: repeated full syncs, each ended by the output buffer limit; inspect points at the loop', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'repltap-sync-loop-'));
    onTestFinished(() => rmSync(dir, { recursive: true, force: true }));
    const trace = join(dir, 'loop.rtrace');
    const { evidence } = await run('sync-loop', trace);
    const fullSyncs = (evidence.fullSyncs as { master: number }).master;
    expect(fullSyncs).toBeGreaterThanOrEqual(4);
    // The master cuts the replica for its output buffer, during the transfer or just after it (the
    // tap may have read the whole RDB and still be handing on its end); the replica logs each
    // transfer it did not get whole.
    const cuts = (evidence.masterLog as string[]).filter((l) => /overcoming of output buffer limits/.test(l)).length;
    const broken = (evidence.replicaLog as string[]).filter((l) => /I\/O error trying to sync with MASTER/.test(l)).length;
    expect(broken).toBeGreaterThanOrEqual(3);
    expect(cuts).toBeGreaterThanOrEqual(broken);
    const { code, stdout } = await runCli(['inspect', trace]);
    expect(code).toBe(0);
    const overview = stdout.slice(stdout.indexOf('\n  overview'));
    expect(overview).toContain(`syncs: ${fullSyncs} full (`);
    expect(overview).toContain(`${broken} links ended during the RDB transfer (master closed the connection ${broken}): each leaves the replica to start a full sync again, a sync loop when it repeats`);
  });

  it('forced-full: sync_full + 1 although the backlog held the offset', async () => {
    const { evidence } = await run('forced-full');
    const { before, after } = evidence.master as { before: Counters; after: Counters };
    expect(after.syncFull - before.syncFull).toBe(1);
    expect(after.syncPartialOk).toBe(before.syncPartialOk);
    expect(evidence.masterLog).toEqual(expect.arrayContaining([expect.stringMatching(/Full resync requested by replica/)]));
  });

  it("lagging-acks: the master's slave0 offset stalls and WAIT times out while the replica applies everything", async () => {
    const { evidence } = await run('lagging-acks');
    const stalled = evidence.stalled as { ackedBefore: number; masterReplOffset: number; replicaApplied: number; masterSeesReplica: { offset: number; lag: number }; waitReplies: number };
    expect(stalled.masterSeesReplica.offset).toBeLessThan(stalled.masterReplOffset);
    expect(stalled.replicaApplied).toBe(stalled.masterReplOffset);
    expect(stalled.waitReplies).toBe(0);
    expect((evidence.healed as { waitReplies: number }).waitReplies).toBe(1);
  });
});
