import { sleep } from '../servers/wait.js';
import { inLab } from './lab.js';
import type { Scenario } from './scenario.js';

const STALL_MS = 2500;

/** `slave0:ip=...,port=...,state=online,offset=N,lag=S` from INFO replication. */
function replicaEntry(info: Record<string, string>): { offset: number; lag: number } | null {
  const entry = info.slave0;
  if (entry === undefined) return null;
  const fields = Object.fromEntries(entry.split(',').map((kv) => kv.split('=') as [string, string]));
  return { offset: Number(fields.offset), lag: Number(fields.lag) };
}

export const laggingAcks: Scenario = {
  name: 'lagging-acks',
  description: "drop the replica's ACKs: the master's view of its offset stalls (lag grows, WAIT times out) while data still flows",
  run: (options) =>
    inLab('lagging-acks', options, {}, async (lab, evidence) => {
      await lab.streaming();
      await lab.master.client.call('SET', 'before', 'drop');
      const acked = await lab.caughtUp();
      const drop = lab.addFault({ action: 'drop', params: { frames: ['ack'] } });
      for (let i = 0; i < 100; i++) await lab.master.client.call('INCR', 'counter');
      await sleep(STALL_MS);
      const wait = Number(await lab.master.client.call('WAIT', 1, 500));
      const master = await lab.master.info();
      const replica = await lab.replica.info();
      const seen = replicaEntry(master);
      const dropped = lab.faultEvents().filter((e) => e.id === drop.id).length;
      evidence.stalled = { ackedBefore: acked, masterReplOffset: Number(master.master_repl_offset), replicaApplied: Number(replica.master_repl_offset), masterSeesReplica: seen, waitReplies: wait, droppedAcks: dropped };
      lab.check("the master's view of the replica stalled", seen !== null && seen.offset <= acked, `INFO replication slave0 offset ${seen?.offset ?? '?'} (last ACK let through: ${acked}), master at ${master.master_repl_offset}`);
      lab.check('its lag grew', seen !== null && seen.lag >= 2, `slave0 lag=${seen?.lag ?? '?'} s`);
      lab.check('WAIT timed out', wait === 0, `WAIT 1 500 → ${wait}`);
      lab.check('data still flowed', Number(replica.master_repl_offset) === Number(master.master_repl_offset) && (await lab.replica.client.call('GET', 'counter')) === '100', `replica applied ${replica.master_repl_offset} of ${master.master_repl_offset}`);
      lab.check('the tap dropped ACK frames', dropped >= 2, `${dropped} ACKs dropped`);
      const digests = await lab.settleAndCompare();
      const waitAfter = Number(await lab.master.client.call('WAIT', 1, 2000));
      const healed = replicaEntry(await lab.master.info());
      evidence.healed = { masterSeesReplica: healed, waitReplies: waitAfter };
      evidence.digests = digests;
      // WAIT itself adds a GETACK to the stream, so the master's offset moves on: compare with the stall.
      lab.check('ACKs resume once the fault is removed', waitAfter === 1 && healed !== null && healed.offset >= Number(master.master_repl_offset), `WAIT 1 2000 → ${waitAfter}; slave0 offset ${healed?.offset ?? '?'} (master was at ${master.master_repl_offset} during the stall)`);
      return `with ${dropped} ACKs dropped the master believed the replica stuck at offset ${seen?.offset ?? '?'} for ${seen?.lag ?? '?'} s while it had applied everything`;
    }),
};
