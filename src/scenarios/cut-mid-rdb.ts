import { waitFor } from '../servers/wait.js';
import { seedDataset } from '../servers/workload.js';
import { inLab } from './lab.js';
import type { Scenario } from './scenario.js';

export const cutMidRdb: Scenario = {
  name: 'cut-mid-rdb',
  description: 'disconnect at 50% of the RDB transfer: the replica starts a new full sync, data intact after',
  run: (options) =>
    inLab('cut-mid-rdb', options, { master: { 'repl-diskless-sync': 'no' } }, async (lab, evidence) => {
      await seedDataset(lab.master.client, 300);
      lab.addFault({ action: 'disconnect', when: { phase: 'rdb', afterPercent: 50 } });
      const before = await lab.counters(lab.master);
      await lab.replicate();
      await waitFor('the cut, then a complete RDB on a new link', 60_000, () => lab.faultEvents().length > 0 && lab.ofType('rdb-end').some((e) => e.link > 1));
      const digests = await lab.settleAndCompare();
      const after = await lab.counters(lab.master);
      const begins = lab.ofType('rdb-begin');
      const cut = lab.faultEvents()[0];
      const firstClose = lab.ofType('link-close', 1)[0];
      const replicaLog = lab.logLines(lab.replica, /I\/O error|connection lost|Lost connection|MASTER <-> REPLICA sync/i);
      evidence.rdb = begins.map((b) => ({ link: b.link, framing: b.framing, length: b.length }));
      evidence.fault = cut;
      evidence.firstLinkClosed = firstClose;
      evidence.master = { before, after };
      evidence.replicaLog = replicaLog;
      evidence.digests = digests;
      const half = begins[0]?.length === undefined || begins[0].length === null ? null : Math.floor(begins[0].length / 2);
      lab.check('cut at half the RDB', cut !== undefined && begins[0] !== undefined && cut.pos - begins[0].pos === half, `fault at RDB byte ${cut && begins[0] ? cut.pos - begins[0].pos : '?'} of ${begins[0]?.length ?? '?'}`);
      lab.check('the first link ended inside the RDB', firstClose?.phase === 'rdb', `link 1 closed in phase ${firstClose?.phase ?? '?'}`);
      lab.check('the master ran a second full sync', after.syncFull === before.syncFull + 2, `INFO stats sync_full ${before.syncFull} → ${after.syncFull}`);
      lab.check('the second RDB arrived whole', lab.ofType('rdb-end').length === 1 && lab.ofType('rdb-end')[0]!.link !== 1, `${lab.ofType('rdb-end').length} complete RDB transfers, on link ${lab.ofType('rdb-end')[0]?.link ?? '?'}`);
      lab.check('the replica logged the lost transfer', replicaLog.some((l) => /I\/O error|connection lost|Lost connection/i.test(l)), replicaLog.find((l) => /I\/O error|lost/i.test(l)) ?? 'no such line');
      return `the RDB was cut after ${half ?? '?'} of ${begins[0]?.length ?? '?'} bytes; the replica threw the partial load away and a second full sync delivered the data intact`;
    }),
};
