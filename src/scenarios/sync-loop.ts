import { randomBytes } from 'node:crypto';
import type { RedisClient } from '../servers/redis-client.js';
import { sleep, waitFor } from '../servers/wait.js';
import { inLab } from './lab.js';
import type { Scenario } from './scenario.js';
import { LinkSummarizer, rdbCutShort } from '../trace/link-summary.js';
import { counted } from '../counted.js';

const OUTPUT_LIMIT = 'replica 64kb 32kb 1';
const THROTTLE_BYTES_PER_SEC = 1_000_000;
const LOOPS = 3;
/** The events that tell whether a link's replica was sent its whole RDB (not the keys, many per RDB). */
const LINK_ENDS = new Set(['psync', 'sync', 'fullresync', 'rdb-begin', 'rdb-end', 'link-close']);

/**
 * Writes about 100 KB/s of 1 KB values until stopped: slow enough that the stream buffered while
 * the master saves the RDB stays under the limit, fast enough that it passes it while the RDB crawls.
 */
function keepWriting(client: RedisClient): { stop: () => Promise<number> } {
  let running = true;
  let written = 0;
  const done = (async () => {
    const value = 'w'.repeat(1024);
    while (running) {
      await client.pipeline(Array.from({ length: 5 }, () => ['SET', `w:${written++ % 5000}`, value]));
      await sleep(50);
    }
  })();
  return {
    stop: async () => {
      running = false;
      await done;
      return written;
    },
  };
}

export const syncLoop: Scenario = {
  name: 'sync-loop',
  description: 'throttle the RDB with a small client-output-buffer-limit replica while writes go on: the master drops the replica again and again (the full-sync loop)',
  run: (options) =>
    inLab('sync-loop', options, { master: { 'repl-diskless-sync': 'no', 'client-output-buffer-limit': OUTPUT_LIMIT, 'repl-backlog-size': '16kb' } }, async (lab, evidence) => {
      // About 20 MB of RDB: more than the kernel's socket buffers on both sides of the tap take in at
      // once, so the master is still sending it when the stream it buffers meanwhile passes the limit.
      // Random hex, so that LZF cannot shrink it.
      for (let batch = 0; batch < 20; batch++) {
        await lab.master.client.pipeline(Array.from({ length: 1000 }, (_, i) => ['SET', `seed:${batch}:${i}`, randomBytes(500).toString('hex')]));
      }
      const throttle = lab.addFault({ action: 'throttle', when: { phase: 'rdb' }, params: { bytesPerSec: THROTTLE_BYTES_PER_SEC } });
      const writer = keepWriting(lab.master.client);
      await lab.replicate();
      let loops: number[] = [];
      try {
        await waitFor(`${LOOPS} full syncs dropped inside the RDB`, 20_000, () => {
          // Links whose replica was not sent its whole RDB, as inspect counts them.
          const summarizer = new LinkSummarizer();
          for (const event of lab.events) if (LINK_ENDS.has(event.type)) summarizer.event(event);
          loops = summarizer.summaries().filter((s) => rdbCutShort(s) !== null).map((s) => s.link);
          return loops.length >= LOOPS;
        }, 100);
      } finally {
        lab.tap.removeFault(throttle.id);
        evidence.written = await writer.stop();
      }
      const digests = await lab.settleAndCompare();
      const master = await lab.counters(lab.master);
      const stats = await lab.master.info('stats');
      const masterLog = lab.logLines(lab.master, /output buffer limits|Connection with replica .* lost/i);
      const overLimit = masterLog.filter((l) => /overcoming of output buffer limits/i.test(l));
      const attempts = lab.ofType('fullresync').length;
      evidence.loops = loops;
      evidence.fullSyncs = { trace: attempts, master: master.syncFull };
      evidence.outputBufferDisconnections = stats.client_output_buffer_limit_disconnections ?? null;
      evidence.masterLog = masterLog;
      evidence.replicaLog = lab.logLines(lab.replica, /I\/O error trying to sync|MASTER <-> REPLICA sync: (Finished|Master accepted)|Connection with master lost/i);
      evidence.digests = digests;
      lab.check(`the replica looped through at least ${LOOPS} full syncs`, loops.length >= LOOPS && master.syncFull >= LOOPS + 1, `${counted(loops.length, 'link')} dropped inside the RDB (links ${loops.join(', ')}); INFO stats sync_full ${master.syncFull}`);
      lab.check('each drop was the output buffer limit', overLimit.length >= LOOPS, `${overLimit.length} × "${overLimit[0] ?? 'no such line'}"`);
      lab.check('the sync completes once the throttle is gone', lab.ofType('rdb-end').length >= 1, `${counted(lab.ofType('rdb-end').length, 'RDB transfer')} completed`);
      return `with the RDB throttled to ${THROTTLE_BYTES_PER_SEC} B/s the stream buffered for the replica passed client-output-buffer-limit ${OUTPUT_LIMIT}; the master dropped it ${counted(overLimit.length, 'time')}, each time forcing another full sync`;
    }),
};
