import { waitFor } from '../servers/wait.js';
import { inLab } from './lab.js';
import type { Scenario } from './scenario.js';

const BACKLOG_BYTES = 16 * 1024;

export const backlogOverflow: Scenario = {
  name: 'backlog-overflow',
  description: 'cut the link, write more than repl-backlog-size while the replica is held off, reconnect: +FULLRESYNC',
  run: (options) =>
    inLab('backlog-overflow', options, { master: { 'repl-backlog-size': BACKLOG_BYTES } }, async (lab, evidence) => {
      await lab.streaming();
      await lab.master.client.call('SET', 'before', 'cut');
      await lab.caughtUp();
      const before = await lab.counters(lab.master);
      // Hold the replica's next handshake until the backlog has moved on, then cut the link.
      const hold = lab.addFault({ action: 'freeze', direction: 'r2m', when: { phase: 'handshake' } });
      lab.addFault({ action: 'disconnect', when: { phase: 'stream', link: 1 } });
      await waitFor('the replica to reconnect (held at its handshake)', 30_000, () => lab.ofType('link-open', 2)[0]);
      const written = 64 * BACKLOG_BYTES;
      const value = 'x'.repeat(1000);
      const commands = Array.from({ length: written / 1000 }, (_, i) => ['SET', `k:${i}`, value]);
      await lab.master.client.pipeline(commands);
      const moved = await lab.counters(lab.master);
      lab.say(`wrote ${commands.length} commands (${moved.masterReplOffset - before.masterReplOffset} bytes of stream, backlog ${BACKLOG_BYTES})`);
      lab.tap.removeFault(hold.id);
      const psync = await waitFor('the held PSYNC', 30_000, () => lab.ofType('psync', 2)[0]);
      const reply = await waitFor('the master to answer the PSYNC', 30_000, () => lab.ofType('fullresync', 2)[0] ?? lab.ofType('continue', 2)[0]);
      const digests = await lab.settleAndCompare();
      const after = await lab.counters(lab.master);
      const masterLog = lab.logLines(lab.master, /partial resync|Full resync|backlog/i);
      evidence.psync = psync;
      evidence.reply = reply;
      evidence.master = { before, after, streamWrittenWhileAway: moved.masterReplOffset - before.masterReplOffset, backlogBytes: BACKLOG_BYTES };
      evidence.masterLog = masterLog;
      evidence.digests = digests;
      lab.check('the replica asked to continue', psync.replid !== '?', `PSYNC ${psync.replid} ${psync.offset}`);
      lab.check('the master answered +FULLRESYNC', reply.type === 'fullresync', `link 2: ${reply.type}`);
      lab.check('the master counted a refused partial resync', after.syncPartialErr === before.syncPartialErr + 1 && after.syncFull === before.syncFull + 1, `INFO stats sync_partial_err ${before.syncPartialErr} → ${after.syncPartialErr}, sync_full ${before.syncFull} → ${after.syncFull}`);
      lab.check('the master logged the lack of backlog', masterLog.some((l) => /lack of backlog/i.test(l)), masterLog.find((l) => /lack of backlog/i.test(l)) ?? 'no such line');
      const gap = reply.type === 'fullresync' ? reply.offset - (psync.offset - 1) : 0;
      return `the replica came back ${gap} bytes behind, past a backlog of ${BACKLOG_BYTES}: the master refused PSYNC ${psync.offset} and sent a full RDB`;
    }),
};
