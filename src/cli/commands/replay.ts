import { InvalidArgumentError, Option, type Command } from 'commander';
import { readRecording } from '../../replay/recording.js';
import { Replay } from '../../replay/replay.js';
import { formatHostPort } from '../../tap/address.js';
import { formatBytes } from '../../link/describe.js';
import { UsageError } from '../../errors.js';
import { createLogger, LOG_LEVELS } from '../logger.js';
import { parseDuration, parseInteger, untilSignal } from '../parse-options.js';
import { counted } from '../../counted.js';

interface ReplayCliOptions {
  listen: string;
  speed: number | 'max';
  link?: number;
  pingPeriod: number;
  logLevel: string;
}

function parseSpeed(value: string): number | 'max' {
  if (value === 'max') return 'max';
  const n = Number(value);
  if (!Number.isFinite(n) || n <= 0) throw new InvalidArgumentError(`--speed takes a factor above 0 (0.5, 1, 10) or max, got ${JSON.stringify(value)}`);
  return n;
}

export function registerReplay(program: Command): void {
  program
    .command('replay')
    .description('serve a recorded link to real replicas, as their master: the RDB, then the stream at the recorded pace')
    .argument('<trace>', 'a trace recorded at --record full (repltap capture, or repltap proxy --record full)')
    .option('--listen <host:port>', 'where replicas connect (REPLICAOF <host> <port>)', '127.0.0.1:7100')
    .option('--speed <factor|max>', '1: the recorded pace; 10: ten times faster; max: as fast as the replica reads', parseSpeed, 1)
    .option('--link <id>', 'the link to serve (default: the first with a complete full sync)', (v) => parseInteger(v, '--link', 1))
    .option('--ping-period <time>', 'PING this often once the recording is used up', (v) => parseDuration(v, '--ping-period'), 10_000)
    .addOption(new Option('--log-level <level>', 'log verbosity (logs go to stderr)').choices(LOG_LEVELS).default('info'))
    .addHelpText('after', '\nRuns until SIGINT or SIGTERM; exit 0. Exit 2: the trace cannot be read or cannot reproduce a link (recorded below --record full).')
    .action(async (path: string, options: ReplayCliOptions) => replay(path, options));
}

async function replay(path: string, options: ReplayCliOptions): Promise<void> {
  const logger = createLogger(options.logLevel);
  const recording = readRecording(path, options.link);
  const server = await Replay.start(recording, { listen: options.listen, speed: options.speed, pingPeriodMs: options.pingPeriod, logger }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') throw new UsageError(`cannot listen on ${options.listen}: the address is in use; pick another with --listen`);
    throw error;
  });
  const snapshot = recording.snapshot.reduce((n, b) => n + b.length, 0);
  process.stderr.write(
    `repltap: replaying link ${recording.links.join('+')} of ${path}: replid ${recording.replid}, RDB ${formatBytes(snapshot)}, ${counted(recording.commands, 'command')} to offset ${recording.endOffset}; point replicas at ${formatHostPort(server.address)} (REPLICAOF ${server.address.host} ${server.address.port}); Ctrl-C to stop\n`,
  );
  const signal = await untilSignal();
  logger.info({ signal }, 'stopping');
  await server.close();
}
