import { writeMixedWorkload } from '../servers/workload.js';
import { waitFor } from '../servers/wait.js';
import { inLab } from './lab.js';
import type { Scenario } from './scenario.js';

export const forcedFull: Scenario = {
  name: 'forced-full',
  description: "rewrite the replica's PSYNC to PSYNC ? -1: a full resync although the backlog could serve it",
  run: (options) =>
    inLab('forced-full', options, {}, async (lab, evidence) => {
      // Written once the replica streams, so that the backlog holds it.
      await lab.streaming();
      await writeMixedWorkload(lab.master.client, { commands: 200, seed: 3 });
      await lab.caughtUp();
      const before = await lab.counters(lab.master);
      const backlog = await lab.master.info();
      lab.addFault({ action: 'rewrite-psync' });
      lab.addFault({ action: 'disconnect', when: { phase: 'stream', link: 1 } });
      const psync = await waitFor('the replica to reconnect', 30_000, () => lab.ofType('psync', 2)[0]);
      const reply = await waitFor('the master to answer', 30_000, () => lab.ofType('fullresync', 2)[0] ?? lab.ofType('continue', 2)[0]);
      const digests = await lab.settleAndCompare();
      const after = await lab.counters(lab.master);
      const rewrite = lab.faultEvents().find((e) => e.action === 'rewrite-psync');
      const first = Number(backlog.repl_backlog_first_byte_offset);
      const servable = psync.replid === backlog.master_replid && psync.offset >= first && psync.offset <= Number(backlog.master_repl_offset) + 1;
      const masterLog = lab.logLines(lab.master, /Full resync requested|Partial resynchronization/i);
      evidence.psync = psync;
      evidence.rewrite = rewrite;
      evidence.reply = reply;
      evidence.backlog = { replid: backlog.master_replid, firstByteOffset: first, masterReplOffset: Number(backlog.master_repl_offset) };
      evidence.master = { before, after };
      evidence.masterLog = masterLog;
      evidence.digests = digests;
      lab.check('the backlog could have served the PSYNC', servable, `PSYNC ${psync.replid} ${psync.offset}; backlog ${backlog.master_replid} from ${first} to ${backlog.master_repl_offset}`);
      lab.check('the tap rewrote it', rewrite !== undefined, rewrite?.detail ?? 'no rewrite');
      lab.check('the master answered +FULLRESYNC', reply.type === 'fullresync', `link 2: ${reply.type}`);
      lab.check('a full sync, not a partial one', after.syncFull === before.syncFull + 1 && after.syncPartialOk === before.syncPartialOk, `INFO stats sync_full ${before.syncFull} → ${after.syncFull}, sync_partial_ok ${before.syncPartialOk} → ${after.syncPartialOk}`);
      lab.check('the master logged a full resync request', masterLog.some((l) => /Full resync requested/i.test(l)), masterLog.at(-1) ?? 'no such line');
      return `PSYNC ${psync.replid} ${psync.offset} was rewritten to PSYNC ? -1 and the master sent a full RDB though its backlog held offset ${psync.offset}`;
    }),
};
