#!/usr/bin/env node
import { Command, CommanderError } from 'commander';
import { EnvironmentError, UsageError } from '../errors.js';
import { TraceFormatError } from '../trace/errors.js';
import { TOOL_VERSION } from '../version.js';
import { registerCapture } from './commands/capture.js';
import { registerCtl } from './commands/ctl.js';
import { registerDemo } from './commands/demo.js';
import { registerDiff } from './commands/diff.js';
import { registerInspect } from './commands/inspect.js';
import { registerProxy } from './commands/proxy.js';
import { registerRdb } from './commands/rdb.js';
import { registerReplay } from './commands/replay.js';
import { registerScenario } from './commands/scenario.js';
import { registerTrace } from './commands/trace.js';
import { EXIT } from './exit-codes.js';

const program = new Command()
  .name('repltap')
  .description('A protocol-aware man-in-the-middle for Redis/Valkey replication: forward, decode, record and inject faults; capture, replay and diff links; decode RDB files.')
  .version(TOOL_VERSION)
  .showHelpAfterError('(add --help for usage)')
  .exitOverride()
  .addHelpText(
    'after',
    `
Exit status: 0 success; 1 a check answered no; 2 usage or input error (bad option, corrupt file);
3 something needed is missing (redis-server); 70 internal error (please report it).`,
  );

registerProxy(program);
registerCtl(program);
registerCapture(program);
registerReplay(program);
registerInspect(program);
registerDiff(program);
registerTrace(program);
registerRdb(program);
registerDemo(program);
registerScenario(program);

function fail(message: string, code: number): never {
  process.stderr.write(`repltap: ${message}\n`);
  process.exit(code);
}

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already printed its message (or the help / version text).
    process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  if (error instanceof UsageError || error instanceof TraceFormatError) fail(error.message, EXIT.usage);
  if (error instanceof EnvironmentError) fail(error.message, EXIT.environment);
  const detail = process.env.REPLTAP_DEBUG ? `\n${(error as Error).stack}` : ' (set REPLTAP_DEBUG=1 for the stack trace)';
  fail(`internal error: ${(error as Error).message}${detail}`, EXIT.internal);
}
