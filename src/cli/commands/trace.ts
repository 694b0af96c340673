import { resolve } from 'node:path';
import { InvalidArgumentError, type Command } from 'commander';
import { UsageError } from '../../errors.js';
import { formatBytes } from '../../link/describe.js';
import { counted } from '../../counted.js';
import { cutTrace } from '../../trace/cut.js';
import { LinkSummarizer } from '../../trace/link-summary.js';
import { openTrace } from '../../trace/reader.js';
import { traceStats, type TraceStats } from '../../trace/stats.js';
import { exportJsonLines, type ExportFilter } from '../export-json-lines.js';
import { writeOut } from '../output.js';
import { eventTypes, parseDuration, parseInteger } from '../parse-options.js';
import { reportCutTail } from '../cut-tail.js';

export function registerTrace(program: Command): void {
  const trace = program.command('trace').description('work with trace files: export, statistics, cut');
  trace
    .command('export')
    .description('every record as one JSON object per line (what inspect --json prints), for jq, pandas, ...')
    .argument('<trace>', 'a trace file')
    .option('--jsonl', 'JSON lines (the format)')
    .option('--link <id>', 'only this link', (v) => parseInteger(v, '--link', 1))
    .option('--type <types...>', 'only these record types (event types, and raw)', eventTypes(['raw']))
    .option('--raw', 'include the raw byte records of a --record full trace (base64)')
    .addHelpText('after', '\nExit status: 0 read completely; 2 not a readable trace, or cut off inside a block (what could be read is shown, then where the cut is).')
    .action(async (path: string, options: ExportFilter) => exportJsonLines(path, options));
  trace
    .command('stats')
    .description('bytes, commands by name, sync durations, ACK lag percentiles')
    .argument('<trace>', 'a trace file')
    .option('--json', 'as one JSON object')
    .addHelpText('after', '\nExit status: 0, or 2 when the trace cannot be read.')
    .action(async (path: string, options: { json?: boolean }) => stats(path, options));
  trace
    .command('cut')
    .description('copy one link and/or a time window of a trace into a new trace')
    .argument('<trace>', 'the trace to read')
    .argument('<out>', 'the trace to write')
    .option('--link <id>', 'only this link', (v) => parseInteger(v, '--link', 1))
    .option('--from <time>', 'from this long after the trace started (10s, 2m) or an ISO time', parseTime)
    .option('--to <time>', 'up to this long after the trace started, or an ISO time', parseTime)
    .addHelpText('after', '\nExit status: 0, or 2 when the trace cannot be read or nothing is selected.')
    .action((path: string, out: string, options: { link?: number; from?: Time; to?: Time }) => cut(path, out, options));
}

type Time = { absolute: number } | { sinceStart: number };

function parseTime(value: string): Time {
  if (/^\d{4}-\d\d-\d\d/.test(value)) {
    const absolute = Date.parse(value);
    if (Number.isNaN(absolute)) throw new InvalidArgumentError(`not a time: ${JSON.stringify(value)}`);
    return { absolute };
  }
  return { sinceStart: parseDuration(value, 'the time') };
}

async function stats(path: string, options: { json?: boolean }): Promise<void> {
  const trace = openTrace(path);
  const summarizer = new LinkSummarizer();
  let lastT = trace.header.startedAt;
  try {
    for (const record of trace.records()) {
      summarizer.add(record);
      lastT = Math.max(lastT, record.t);
    }
  } finally {
    trace.close();
    reportCutTail(path, trace.warnings);
  }
  const result = traceStats(trace.header, summarizer.summaries(), lastT);
  await writeOut(options.json ? `${JSON.stringify(result)}\n` : renderStats(path, result));
}

function renderStats(path: string, s: TraceStats): string {
  const spread = (x: TraceStats['acks']['lagBytes'], unit: (n: number) => string): string => (x === null ? '-' : `p50 ${unit(x.p50)}, p99 ${unit(x.p99)}, max ${unit(x.max)}`);
  const ms = (n: number): string => `${n.toFixed(n < 10 ? 1 : 0)} ms`;
  const names = Object.entries(s.commands.byName);
  const lines = [
    `${path}: ${s.source} of ${s.master}, --record ${s.record}, ${new Date(s.startedAt).toISOString()}, ${(s.durationMs / 1000).toFixed(1)} s`,
    `links      ${s.links}`,
    `bytes      ${formatBytes(s.bytes.m2r)} master → replica, ${formatBytes(s.bytes.r2m)} replica → master`,
    `commands   ${s.commands.total}${names.length > 0 ? `: ${names.slice(0, 10).map(([n, c]) => `${n} ${c}`).join(', ')}${names.length > 10 ? `, ${counted(names.length - 10, 'more kind')}` : ''}` : ''}`,
    ...s.syncs.map((sync, i) => `${i === 0 ? 'syncs      ' : '           '}link ${sync.link}: ${sync.kind}${sync.reason === null ? '' : ` (${sync.reason})`}${sync.ms === null ? '' : ` in ${ms(sync.ms)}`}${sync.rdbBytes === null ? '' : `, RDB ${formatBytes(sync.rdbBytes)}`}`),
    `acks       ${s.acks.count}; lag ${spread(s.acks.lagBytes, formatBytes)}; delay ${spread(s.acks.lagMs, ms)}`,
    `faults     ${s.faults}`,
    `errors     ${counted(s.decodeErrors, 'decode error')}`,
  ];
  return `${lines.join('\n')}\n`;
}

function cut(path: string, out: string, options: { link?: number; from?: Time; to?: Time }): void {
  if (resolve(path) === resolve(out)) throw new UsageError('trace cut writes a new trace: give an output path other than the input');
  const input = openTrace(path);
  input.close();
  const at = (time: Time | undefined): number | undefined => (time === undefined ? undefined : 'absolute' in time ? time.absolute : input.header.startedAt + time.sinceStart);
  const result = cutTrace(path, out, { link: options.link, from: at(options.from), to: at(options.to) });
  reportCutTail(path, result.warnings);
  if (result.kept === 0) throw new UsageError(`nothing of ${path} was selected (${counted(result.read, 'record')} read); ${out} holds only the header`);
  process.stderr.write(`repltap: kept ${result.kept} of ${result.read} records in ${out}\n`);
}
