import type { Command } from 'commander';
import { UsageError } from '../../errors.js';
import { findScenario, SCENARIOS } from '../../scenarios/index.js';
import type { Verdict } from '../../scenarios/scenario.js';
import { EXIT } from '../exit-codes.js';
import { writeOut } from '../output.js';

interface RunOptions {
  redisServer?: string;
  json?: boolean;
  trace?: string;
}

export function registerScenario(program: Command): void {
  const scenario = program.command('scenario').description('self-contained replication failure experiments with a verdict');
  scenario
    .command('list')
    .description('the scenarios and what each reproduces')
    .option('--json', 'one JSON object per scenario')
    .action(async (options: { json?: boolean }) => {
      const width = Math.max(...SCENARIOS.map((s) => s.name.length));
      await writeOut(SCENARIOS.map((s) => (options.json ? JSON.stringify({ name: s.name, description: s.description }) : `${s.name.padEnd(width)}  ${s.description}`)).join('\n') + '\n');
    });
  scenario
    .command('run <name>')
    .description('start a master and a replica, run the tap with faults, and judge the outcome from the servers and the trace')
    .option('--redis-server <path>', 'the redis-server binary to run (default: redis-server on PATH)')
    .option('--trace <file>', 'keep the trace of the run here')
    .option('--json', 'print progress to stderr and the verdict as one JSON object, the last line of stdout')
    .addHelpText('after', '\nExit 0 when the verdict passed, 1 when it failed, 3 when redis-server is missing.')
    .action(async (name: string, options: RunOptions) => {
      const found = findScenario(name);
      if (!found) throw new UsageError(`no scenario ${JSON.stringify(name)}; one of: ${SCENARIOS.map((s) => s.name).join(', ')}`);
      const progress = (line: string): void => void (options.json ? process.stderr.write(`${line}\n`) : writeOut(`  ${line}\n`));
      if (!options.json) await writeOut(`${found.name}: ${found.description}\n`);
      const verdict = await found.run({ redisServer: options.redisServer, trace: options.trace, progress });
      await writeOut(options.json ? `${JSON.stringify(verdict)}\n` : describeVerdict(verdict));
      process.exitCode = verdict.passed ? EXIT.ok : EXIT.negative;
    });
}

function describeVerdict(verdict: Verdict): string {
  const lines = [`${verdict.passed ? 'PASSED' : 'FAILED'} in ${(verdict.durationMs / 1000).toFixed(1)} s: ${verdict.summary}`];
  for (const check of verdict.checks.filter((c) => !c.passed)) lines.push(`  failed: ${check.name}: ${check.detail}`);
  if (verdict.trace) lines.push(`  trace: ${verdict.trace} (repltap inspect ${verdict.trace})`);
  return `${lines.join('\n')}\n`;
}
