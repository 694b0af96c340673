import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Command } from 'commander';
import { LinkSummarizer } from '../../trace/link-summary.js';
import { openTrace } from '../../trace/reader.js';
import { RedisServer } from '../../servers/redis-server.js';
import { waitCaughtUp } from '../../servers/caught-up.js';
import { waitFor } from '../../servers/wait.js';
import { seedDataset, writeMixedWorkload } from '../../servers/workload.js';
import { startTap, type Tap } from '../../tap/tap.js';
import { writeOut } from '../output.js';
import { renderHeader, renderTimeline } from '../render-timeline.js';
import { parseInteger } from '../parse-options.js';
import { EXIT } from '../exit-codes.js';

interface DemoOptions {
  redisServer: string;
  trace?: string;
  commands: number;
}

export function registerDemo(program: Command): void {
  program
    .command('demo')
    .description('start a local master and replica with the tap between them, write, cut the link once, and show the timeline')
    .option('--redis-server <path>', 'redis-server binary to run', 'redis-server')
    .option('--trace <file>', 'keep the trace in this file (default: a temp file, removed afterwards)')
    .option('--commands <n>', 'client commands written before and after the cut', (v) => parseInteger(v, '--commands', 1), 2000)
    .addHelpText('after', '\nExit status: 0 the replica ended identical to the master; 1 it did not; 3 redis-server is missing.')
    .action(async (options: DemoOptions) => demo(options));
}

function step(text: string): void {
  process.stderr.write(`demo: ${text}\n`);
}

async function demo(options: DemoOptions): Promise<void> {
  const workDir = mkdtempSync(join(tmpdir(), 'repltap-demo-'));
  const tracePath = options.trace ?? join(workDir, 'demo.rtrace');
  const servers: RedisServer[] = [];
  let tap: Tap | null = null;
  let identical = false;
  try {
    step('starting a master and a replica (redis-server on free loopback ports)');
    const master = await RedisServer.start({ binary: options.redisServer, name: 'demo-master', config: { 'repl-diskless-sync': 'yes', 'repl-diskless-sync-delay': 0 } });
    servers.push(master);
    const replica = await RedisServer.start({ binary: options.redisServer, name: 'demo-replica' });
    servers.push(replica);
    tap = await startTap({ master: master.address, trace: tracePath, record: 'commands' });
    step(`master ${master.address}, replica 127.0.0.1:${replica.port}, tap ${tap.address.host}:${tap.address.port}`);

    await seedDataset(master.client);
    step(`REPLICAOF ${tap.address.host} ${tap.address.port}: the replica full-syncs through the tap`);
    await replica.client.call('REPLICAOF', tap.address.host, tap.address.port);
    await waitFor('the replica to finish its full sync', 30_000, async () => (await replica.info()).master_link_status === 'up');

    step(`writing ${options.commands} mixed commands over 4 databases`);
    await writeMixedWorkload(master.client, { commands: options.commands, seed: 1 });
    await waitCaughtUp(master, replica, tap);

    step('cutting the link (CLIENT KILL TYPE master on the replica): it reconnects and asks PSYNC');
    await replica.client.call('CLIENT', 'KILL', 'TYPE', 'master');
    await writeMixedWorkload(master.client, { commands: Math.ceil(options.commands / 2), seed: 2 });
    await waitFor('the replica to reconnect', 30_000, async () => (await replica.info()).master_link_status === 'up');
    await waitCaughtUp(master, replica, tap);

    const [masterDigest, replicaDigest] = [await master.digest(), await replica.digest()];
    identical = masterDigest === replicaDigest;
    step(`DEBUG DIGEST master ${masterDigest}, replica ${replicaDigest}: ${identical ? 'identical' : 'DIFFERENT'}`);
  } finally {
    await tap?.close();
    for (const server of servers.reverse()) await server.stop();
  }
  const trace = openTrace(tracePath);
  const summarizer = new LinkSummarizer();
  for (const record of trace.records()) summarizer.add(record);
  trace.close();
  await writeOut(`${renderHeader(tracePath, trace.header)}\n${renderTimeline(summarizer.summaries())}`);
  if (options.trace === undefined) rmSync(workDir, { recursive: true, force: true });
  else step(`trace kept in ${tracePath} (repltap inspect ${tracePath})`);
  if (!identical) process.exitCode = EXIT.negative;
}
