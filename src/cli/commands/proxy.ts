import { Option, type Command } from 'commander';
import type { RecordLevel } from '../../link/events.js';
import { formatHostPort } from '../../tap/address.js';
import { startTap } from '../../tap/tap.js';
import { UsageError } from '../../errors.js';
import { createLogger, LOG_LEVELS } from '../logger.js';
import { parseInteger, RECORD_LEVELS } from '../parse-options.js';

interface ProxyOptions {
  master: string;
  listen: string;
  trace?: string;
  record: RecordLevel;
  recordSecrets?: boolean;
  maxArgBytes: number;
  logLevel: string;
}

export function registerProxy(program: Command): void {
  program
    .command('proxy')
    .description('forward replication links between replicas and a master, decoding and recording them')
    .requiredOption('--master <host:port>', 'the real master')
    .option('--listen <host:port>', 'where replicas connect (REPLICAOF <host> <port>)', '127.0.0.1:7000')
    .option('--trace <file>', 'write a trace of every link to this file')
    .addOption(new Option('--record <level>', 'what the trace keeps: events only, plus command arguments, plus every raw byte').choices(RECORD_LEVELS).default('commands'))
    .option('--record-secrets', 'keep AUTH passwords in the trace and logs (redacted by default)')
    .option('--max-arg-bytes <n>', 'bytes kept of each command argument (the full length is always kept)', (v) => parseInteger(v, '--max-arg-bytes', 64), 256)
    .addOption(new Option('--log-level <level>', 'log verbosity (logs go to stderr)').choices(LOG_LEVELS).default('info'))
    .addHelpText('after', '\nRuns until SIGINT or SIGTERM, then flushes the trace and exits 0. Exit 2: bad option or the listen address is taken.')
    .action(async (options: ProxyOptions) => proxy(options));
}

async function proxy(options: ProxyOptions): Promise<void> {
  const logger = createLogger(options.logLevel);
  const tap = await startTap({
    master: options.master,
    listen: options.listen,
    trace: options.trace ?? null,
    record: options.record,
    recordSecrets: options.recordSecrets ?? false,
    maxArgBytes: options.maxArgBytes,
    logger,
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') throw new UsageError(`cannot listen on ${options.listen}: the address is in use; pick another with --listen`);
    if (error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL') throw new UsageError(`cannot listen on ${options.listen}: ${error.code}`);
    throw error;
  });
  process.stderr.write(`repltap: point replicas at ${formatHostPort(tap.address)} (REPLICAOF ${tap.address.host} ${tap.address.port}); Ctrl-C to stop\n`);
  await new Promise<void>((resolve) => {
    const stop = (signal: string): void => {
      logger.info({ signal }, 'stopping');
      void tap.close().then(resolve);
    };
    process.once('SIGINT', () => stop('SIGINT'));
    process.once('SIGTERM', () => stop('SIGTERM'));
  });
}
