import { readFileSync } from 'node:fs';
import { Option, type Command } from 'commander';
import { startControl } from '../../control/server.js';
import { RDB_DEPTHS, type RdbDepth } from '../../link/decoder-options.js';
import type { RecordLevel } from '../../link/events.js';
import { formatHostPort } from '../../tap/address.js';
import { probeMaster } from '../../tap/master-probe.js';
import { startTap } from '../../tap/tap.js';
import { UsageError } from '../../errors.js';
import { createLogger, LOG_LEVELS } from '../logger.js';
import { parseInteger, RECORD_LEVELS, untilSignal } from '../parse-options.js';

interface ProxyOptions {
  master: string;
  listen: string;
  trace?: string;
  record: RecordLevel;
  rdb?: RdbDepth;
  recordSecrets?: boolean;
  maxArgBytes: number;
  logLevel: string;
  fault: string[];
  faults?: string;
  control?: string;
  controlToken?: string;
}

export function registerProxy(program: Command): void {
  program
    .command('proxy')
    .description('forward replication links between replicas and a master, decoding and recording them')
    .requiredOption('--master <host:port>', 'the real master')
    .option('--listen <host:port>', 'where replicas connect (REPLICAOF <host> <port>)', '127.0.0.1:7000')
    .option('--trace <file>', 'write a trace of every link to this file')
    .addOption(new Option('--record <level>', 'what the trace keeps: events only, plus command arguments, plus every raw byte').choices(RECORD_LEVELS).default('commands'))
    .addOption(
      new Option('--rdb <depth>', 'how much of each RDB in transfer to decode: frame and measure it, plus aux fields and counts, plus a record per key, plus values (default: keys at --record commands, values at full, summary at meta)').choices(RDB_DEPTHS),
    )
    .option('--record-secrets', 'keep AUTH passwords in the trace and logs (redacted by default)')
    .option('--max-arg-bytes <n>', 'bytes kept of each command argument (the full length is always kept)', (v) => parseInteger(v, '--max-arg-bytes', 64), 256)
    .option('--fault <json>', 'a fault in force from the start, as JSON (repeatable; see docs/faults.md)', (value: string, all: string[]) => [...all, value], [])
    .option('--faults <file>', 'faults in force from the start: a JSON array of fault specs')
    .option('--control <host:port>', 'serve the control API (links, faults) on this address')
    .addOption(new Option('--control-token <token>', 'bearer token the control API requires (required off loopback)').env('REPLTAP_CONTROL_TOKEN'))
    .addOption(new Option('--log-level <level>', 'log verbosity (logs go to stderr)').choices(LOG_LEVELS).default('info'))
    .addHelpText('after', '\nRuns until SIGINT or SIGTERM, then flushes the trace and exits 0. Exit 2: bad option, the listen address is taken, or the trace could not be written (at start, or later: recording then stopped while the links were still forwarded).')
    .action(async (options: ProxyOptions) => proxy(options));
}

async function proxy(options: ProxyOptions): Promise<void> {
  const logger = createLogger(options.logLevel);
  const tap = await startTap({
    master: options.master,
    listen: options.listen,
    trace: options.trace ?? null,
    record: options.record,
    ...(options.rdb === undefined ? {} : { rdb: options.rdb }),
    recordSecrets: options.recordSecrets ?? false,
    maxArgBytes: options.maxArgBytes,
    faults: faultSpecs(options),
    logger,
  }).catch((error: NodeJS.ErrnoException) => {
    if (error.code === 'EADDRINUSE') throw new UsageError(`cannot listen on ${options.listen}: the address is in use; pick another with --listen`);
    if (error.code === 'EACCES' || error.code === 'EADDRNOTAVAIL') throw new UsageError(`cannot listen on ${options.listen}: ${error.code}`);
    throw error;
  });
  const control = options.control ? await startControl(tap, { listen: options.control, token: options.controlToken ?? null }).catch(async (error: unknown) => {
    await tap.close();
    throw error;
  }) : null;
  if (control) logger.info({ control: formatHostPort(control.address), token: options.controlToken !== undefined }, 'control API listening');
  process.stderr.write(`repltap: point replicas at ${formatHostPort(tap.address)} (REPLICAOF ${tap.address.host} ${tap.address.port}); Ctrl-C to stop\n`);
  // A mistyped --master would otherwise show only when a replica connects and its link is cut.
  void probeMaster(tap.master, MASTER_PROBE_MS).then((problem) => {
    if (problem !== null) logger.warn({ master: formatHostPort(tap.master), problem }, `master ${formatHostPort(tap.master)} is not reachable (${problem}): replicas that connect now are cut until it is; check --master`);
  });
  const signal = await untilSignal();
  logger.info({ signal }, 'stopping');
  await Promise.all([tap.close(), control?.close()]);
  if (tap.traceFailure !== null) throw new UsageError(`${tap.traceFailure}: the trace ends there`);
}

/** How long the start-up check of --master waits for the connection to open. */
const MASTER_PROBE_MS = 3000;

/** Every fault given with --fault and --faults, parsed as JSON (the tap checks each one's fields). */
function faultSpecs(options: ProxyOptions): unknown[] {
  const specs = options.fault.map((text, i) => parseJson(text, `--fault #${i + 1}`));
  if (options.faults !== undefined) {
    let text: string;
    try {
      text = readFileSync(options.faults, 'utf8');
    } catch (error) {
      throw new UsageError(`cannot read --faults ${options.faults}: ${(error as NodeJS.ErrnoException).code ?? (error as Error).message}`);
    }
    const list = parseJson(text, `--faults ${options.faults}`);
    if (!Array.isArray(list)) throw new UsageError(`--faults ${options.faults} must hold a JSON array of fault specs`);
    specs.push(...(list as unknown[]));
  }
  return specs;
}

function parseJson(text: string, where: string): unknown {
  try {
    return JSON.parse(text) as unknown;
  } catch (error) {
    throw new UsageError(`${where} is not valid JSON: ${(error as Error).message}`);
  }
}
