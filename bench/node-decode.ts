/**
 * The tap taken apart, for `--breakdown`: a relay that reads the master with `onread` into a pool
 * (as the tap does) and then does nothing more (`none`), decodes into command runs (`decode`), or
 * decodes and writes a trace (`trace`), before writing each chunk on. Run side by side with the
 * tap, it shows what each layer costs.
 *
 *   node --import tsx bench/node-decode.ts LISTEN_PORT MASTER_PORT none|decode|trace TRACE_PATH
 */
import { connect, createServer } from 'node:net';
import { systemClock } from '../src/clock.js';
import { LinkDecoder } from '../src/link/link-decoder.js';
import { newTraceHeader } from '../src/trace/header.js';
import { TRACE_FLUSH_MS } from '../src/trace/format.js';
import { TraceWriter } from '../src/trace/writer.js';
import { ReadBuffers } from '../src/tap/read-buffers.js';

const [listenPort, masterPort] = process.argv.slice(2, 4).map(Number);
const mode = process.argv[4] ?? 'none';
const tracePath = process.argv[5];
const trace =
  mode === 'trace' && tracePath !== undefined
    ? new TraceWriter(tracePath, newTraceHeader({ startedAt: systemClock(), source: 'proxy', master: `127.0.0.1:${masterPort}`, listen: null, record: 'commands', maxArgBytes: 256, maxArgs: 64, recordSecrets: false }))
    : null;
if (trace) setInterval(() => trace.flush(), TRACE_FLUSH_MS).unref();

createServer((replica) => {
  const decoder = new LinkDecoder({ link: 1, args: true, rdb: 'keys', recordSecrets: false });
  const observe = (dir: 'm2r' | 'r2m', chunk: Buffer): void => {
    if (mode === 'none') return;
    for (const event of decoder.feedRuns(dir, chunk, systemClock())) trace?.append(event);
  };
  // As the tap: read memory is reused once no write points into it and the decoder let go of it.
  const buffers = new ReadBuffers(() => replica.writableLength === 0 && decoder.releaseInput('m2r'));
  const master = connect({
    host: '127.0.0.1',
    port: masterPort!,
    onread: {
      buffer: buffers.next,
      callback: (n: number) => {
        const chunk = buffers.take(n);
        observe('m2r', chunk);
        return replica.write(chunk);
      },
    },
  });
  // As the tap: no Nagle delay on either side.
  replica.setNoDelay(true);
  master.setNoDelay(true);
  replica.on('drain', () => master.resume());
  replica.on('data', (chunk: Buffer) => {
    observe('r2m', chunk);
    master.write(chunk);
  });
  replica.on('close', () => master.destroy());
  master.on('close', () => replica.destroy());
  replica.on('error', () => master.destroy());
  master.on('error', () => replica.destroy());
}).listen(listenPort, '127.0.0.1');
process.on('SIGTERM', () => {
  trace?.close();
  process.exit(0);
});
