import { Option, type Command } from 'commander';
import type { RecordLevel } from '../../link/events.js';
import { startCapture } from '../../replay/capture.js';
import { createLogger, LOG_LEVELS } from '../logger.js';
import { parseDuration, parseInteger, RECORD_LEVELS, untilSignal } from '../parse-options.js';
import { UsageError } from '../../errors.js';

interface CaptureCliOptions {
  master: string;
  trace: string;
  duration?: number;
  commands?: number;
  listeningPort?: number;
  capa: string[];
  replid?: string;
  offset?: number;
  auth?: string;
  record: RecordLevel;
  recordSecrets?: boolean;
  logLevel: string;
}

export function registerCapture(program: Command): void {
  program
    .command('capture')
    .description('connect to a master as a replica and record the link (no replica needed): a golden trace to replay and diff')
    .requiredOption('--master <host:port>', 'the master')
    .requiredOption('--trace <file>', 'the trace to write')
    .option('--duration <time>', 'stop after this long (30s, 5m, 500ms)', (v) => parseDuration(v, '--duration'))
    .option('--commands <n>', 'stop after this many propagated commands', (v) => parseInteger(v, '--commands', 1))
    .option('--listening-port <port>', 'REPLCONF listening-port to announce (default: the local port)', (v) => parseInteger(v, '--listening-port', 0))
    .option('--capa <capabilities...>', 'REPLCONF capa values to announce', ['eof', 'psync2'])
    .option('--replid <id>', 'PSYNC this replication id (with --offset) instead of PSYNC ? -1')
    .option('--offset <n>', 'the offset to PSYNC with --replid', (v) => parseInteger(v, '--offset', -1))
    .addOption(new Option('--auth <[user:]password>', 'AUTH before the handshake').env('REPLTAP_AUTH'))
    .addOption(new Option('--record <level>', 'what the trace keeps (replay needs full)').choices(RECORD_LEVELS).default('full'))
    .option('--record-secrets', 'keep the AUTH password in the trace (redacted by default)')
    .addOption(new Option('--log-level <level>', 'log verbosity (logs go to stderr)').choices(LOG_LEVELS).default('info'))
    .addHelpText('after', '\nStops at --duration, --commands, SIGINT or SIGTERM, flushing the trace; exit 0. Exit 2: bad option or the master cannot be reached.')
    .action(async (options: CaptureCliOptions) => capture(options));
}

async function capture(options: CaptureCliOptions): Promise<void> {
  if ((options.replid === undefined) !== (options.offset === undefined)) throw new UsageError('--replid and --offset go together (PSYNC <replid> <offset>); give both or neither');
  const logger = createLogger(options.logLevel);
  const colon = options.auth?.indexOf(':') ?? -1;
  const running = startCapture({
    master: options.master,
    trace: options.trace,
    record: options.record,
    durationMs: options.duration ?? null,
    commands: options.commands ?? null,
    listeningPort: options.listeningPort,
    capa: options.capa,
    psync: options.replid !== undefined && options.offset !== undefined ? { replid: options.replid, offset: options.offset } : null,
    auth: options.auth === undefined ? null : colon > 0 ? { user: options.auth.slice(0, colon), password: options.auth.slice(colon + 1) } : { user: null, password: options.auth },
    recordSecrets: options.recordSecrets ?? false,
    logger,
  });
  void untilSignal().then((signal) => running.stop(signal));
  const result = await running.done;
  process.stderr.write(`repltap: captured ${result.commands} command${result.commands === 1 ? '' : 's'} up to offset ${result.offset ?? '-'} (${result.reason}); trace ${options.trace}\n`);
}
