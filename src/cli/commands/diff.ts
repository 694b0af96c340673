import type { Command } from 'commander';
import { diffModels, renderDiff } from '../../diff/diff.js';
import { buildModel, type DiffOptions, type TraceModel } from '../../diff/model.js';
import { UsageError } from '../../errors.js';
import { openTrace } from '../../trace/reader.js';
import { EXIT } from '../exit-codes.js';
import { writeOut } from '../output.js';

interface DiffCliOptions {
  json?: boolean;
  ignoreEncodings?: boolean;
  ignoreTxOrder?: boolean;
  ignoreCommands?: string[];
}

export function registerDiff(program: Command): void {
  program
    .command('diff')
    .description('compare two traces for what matters (handshake, sync kinds, RDB content, the command stream), not what changes run to run')
    .argument('<a>', 'a trace (the golden one)')
    .argument('<b>', 'another trace')
    .option('--json', 'the differences as one JSON object')
    .option('--ignore-encodings', 'compare RDB keys without their encodings')
    .option('--ignore-tx-order', 'compare the commands inside each MULTI ... EXEC in any order')
    .option('--ignore-commands <names...>', 'leave these commands out of the stream (e.g. publish expire)')
    .addHelpText(
      'after',
      `
Always ignored: replication ids, absolute offsets, times, listening ports, RDB aux fields
(ctime, used-mem, redis-ver, ...), keep-alives, PINGs, GETACKs and ACKs.
Exit status: 0 equal, 1 different, 2 a trace cannot be read.`,
    )
    .action(async (a: string, b: string, options: DiffCliOptions) => diff(a, b, options));
}

function load(path: string, options: DiffOptions): TraceModel {
  const trace = openTrace(path);
  try {
    return buildModel(trace.header, trace.records(), options);
  } finally {
    trace.close();
    if (trace.warnings.length > 0) throw new UsageError(`${path}: ${trace.warnings.join('; ')}: a diff of part of a trace would mislead; compare complete traces (repltap trace cut keeps the readable part)`);
  }
}

async function diff(a: string, b: string, options: DiffCliOptions): Promise<void> {
  const modelOptions: DiffOptions = { ignoreEncodings: options.ignoreEncodings, ignoreTxOrder: options.ignoreTxOrder, ignoreCommands: options.ignoreCommands?.map((c) => c.toLowerCase()) };
  const result = diffModels(load(a, modelOptions), load(b, modelOptions));
  if (options.json) {
    await writeOut(`${JSON.stringify({ equal: result.equal, a, b, notes: result.notes, sections: result.sections.map(({ section, changes }) => ({ section, changes })) })}\n`);
  } else if (!result.equal) {
    await writeOut(renderDiff(result, a, b));
  } else {
    await writeOut(`equal${result.notes.length > 0 ? ` (${result.notes.join('; ')})` : ''}\n`);
  }
  process.exitCode = result.equal ? EXIT.ok : EXIT.negative;
}
