import { Command } from 'commander';
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

/** The `repltap` command line: every command and option, ready to parse. */
export function buildProgram(): Command {
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
  return program;
}
