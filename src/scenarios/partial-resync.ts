import { writeMixedWorkload } from '../servers/workload.js';
import { waitFor } from '../servers/wait.js';
import { inLab } from './lab.js';
import type { Scenario } from './scenario.js';

export const partialResync: Scenario = {
  name: 'partial-resync',
  description: 'a cut in the stream, within the backlog: the replica reconnects and gets +CONTINUE, no RDB',
  run: (options) =>
    inLab('partial-resync', options, {}, async (lab, evidence) => {
      // Written once the replica streams, so that the backlog holds it.
      await lab.streaming();
      await writeMixedWorkload(lab.master.client, { commands: 300, seed: 1 });
      await lab.caughtUp();
      const before = await lab.counters(lab.master);
      lab.addFault({ action: 'disconnect', when: { phase: 'stream', afterCommands: 100 } });
      await writeMixedWorkload(lab.master.client, { commands: 300, seed: 2 });
      const resumed = await waitFor('the replica to reconnect through the tap', 30_000, () => lab.ofType('continue', 2)[0] ?? lab.ofType('fullresync', 2)[0]);
      const digests = await lab.settleAndCompare();
      const after = await lab.counters(lab.master);
      const cut = lab.faultEvents()[0];
      evidence.fault = cut;
      evidence.master = { before, after };
      evidence.resumed = resumed;
      evidence.digests = digests;
      evidence.masterLog = lab.logLines(lab.master, /Partial resynchronization|Full resync/);
      lab.check('the fault cut the stream', cut !== undefined && cut.offset !== null, cut ? `fault ${cut.id} acted at offset ${cut.offset}` : 'the fault never acted');
      lab.check('the master accepted a partial resync', after.syncPartialOk === before.syncPartialOk + 1, `INFO stats sync_partial_ok ${before.syncPartialOk} → ${after.syncPartialOk}`);
      lab.check('no new full sync', after.syncFull === before.syncFull, `INFO stats sync_full ${before.syncFull} → ${after.syncFull}`);
      lab.check('+CONTINUE on the new link and no RDB', resumed.type === 'continue' && lab.ofType('rdb-begin', resumed.link).length === 0, `link ${resumed.link}: ${resumed.type}, ${lab.ofType('rdb-begin', resumed.link).length} RDB transfers`);
      lab.check('the master logged it', (evidence.masterLog as string[]).some((l) => l.includes('Partial resynchronization request') && l.includes('accepted')), (evidence.masterLog as string[]).at(-1) ?? 'nothing logged');
      return `a disconnect after 100 streamed commands was healed by +CONTINUE from offset ${resumed.type === 'continue' ? resumed.offset : '?'}, without an RDB`;
    }),
};
