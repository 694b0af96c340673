import { waitFor } from '../servers/wait.js';
import { inLab } from './lab.js';
import type { Scenario } from './scenario.js';

const TIMEOUT_S = 2;
const FREEZE_MS = 5000;

export const timeout: Scenario = {
  name: 'timeout',
  description: `freeze both directions longer than repl-timeout (${TIMEOUT_S} s here): both sides time out, the replica reconnects and resyncs`,
  run: (options) =>
    inLab('timeout', options, { master: { 'repl-timeout': TIMEOUT_S, 'repl-ping-replica-period': 1 }, replica: { 'repl-timeout': TIMEOUT_S } }, async (lab, evidence) => {
      await lab.streaming();
      await lab.master.client.call('SET', 'before', 'freeze');
      await lab.caughtUp();
      // A partition, not a close: no byte and no FIN crosses until it ends. Once: the next link must sync.
      lab.addFault({ action: 'freeze', direction: 'both', when: { phase: 'stream' }, params: { durationMs: FREEZE_MS }, times: 1 });
      await lab.master.client.call('SET', 'during', 'freeze');
      const resumed = await waitFor('the replica to reconnect after the timeouts', 30_000, () => lab.ofType('continue', 2)[0] ?? lab.ofType('fullresync', 2)[0]);
      // The replica may time out and come back before the master's cron notices its side: the
      // freeze stays until both have said so (removing it early would let the old link's FIN through).
      const timedOut = (): boolean => lab.logLines(lab.master, /Disconnecting timedout replica/i).length > 0 && lab.logLines(lab.replica, /MASTER timeout/i).length > 0;
      await waitFor('both servers to log their timeout', FREEZE_MS + 5000, timedOut, 100).catch(() => undefined);
      const digests = await lab.settleAndCompare();
      const masterLog = lab.logLines(lab.master, /timedout replica|timeout/i);
      const replicaLog = lab.logLines(lab.replica, /MASTER timeout|timeout/i);
      const freeze = lab.faultEvents()[0];
      const firstClose = lab.ofType('link-close', 1)[0];
      evidence.fault = freeze;
      evidence.firstLinkClosed = firstClose;
      evidence.resumed = resumed;
      evidence.masterLog = masterLog;
      evidence.replicaLog = replicaLog;
      evidence.digests = digests;
      lab.check('the freeze started in the stream', freeze?.phase === 'stream', freeze ? `fault ${freeze.id} at offset ${freeze.offset}` : 'never acted');
      lab.check('the master timed the replica out', masterLog.some((l) => /Disconnecting timedout replica/i.test(l)), masterLog.find((l) => /timedout/i.test(l)) ?? 'no such line');
      lab.check('the replica timed the master out', replicaLog.some((l) => /MASTER timeout: no data nor PING received/i.test(l)), replicaLog.find((l) => /timeout/i.test(l)) ?? 'no such line');
      lab.check('the replica reconnected and resynced', resumed.link === 2, `link 2: ${resumed.type}`);
      return `a ${FREEZE_MS} ms freeze outlasted repl-timeout ${TIMEOUT_S} s on both sides; each dropped the link on its own clock and the replica came back with ${resumed.type === 'continue' ? 'a partial' : 'a full'} resync`;
    }),
};
