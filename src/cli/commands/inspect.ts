import type { Command } from 'commander';
import { describeEvent } from '../../link/describe.js';
import type { LinkEventType } from '../../link/events.js';
import { LinkSummarizer } from '../../trace/link-summary.js';
import { UsageError } from '../../errors.js';
import { exportJsonLines } from '../export-json-lines.js';
import { writeOut } from '../output.js';
import { renderHeader, renderOverview, renderTimeline } from '../render-timeline.js';
import { eventTypes, parseInteger } from '../parse-options.js';
import { reportCutTail } from '../cut-tail.js';
import { LinkFilter } from '../link-filter.js';
import type { TraceFile } from '../../trace/reader.js';
import { abortOnSignal, traceItems } from '../trace-items.js';

interface InspectOptions {
  json?: boolean;
  events?: boolean;
  link?: number;
  type?: string[];
  raw?: boolean;
  follow?: boolean;
  overview?: boolean;
}

/** Output is gathered into blocks this large before it is written. */
const OUTPUT_BLOCK = 64 * 1024;

export function registerInspect(program: Command): void {
  program
    .command('inspect')
    .description('show what happened on each link of a trace: a timeline, every event, or JSON lines')
    .argument('<trace>', 'trace file written by `repltap proxy --trace`')
    .option('--json', 'one JSON object per event per line (binary values as {"base64": ...})')
    .option('--events', 'list every event with its time, then the per-link timeline')
    .option('--link <id>', 'only this link', (v) => parseInteger(v, '--link', 1))
    .option('--type <types...>', 'with --json, --events or --follow: only these event types (e.g. psync fullresync ack)', eventTypes())
    .option('--raw', 'with --json: also the raw byte records of a --record full trace (base64)')
    .option('--overview', 'only the overview of all links: syncs by outcome and reason, links that never synced, why links closed')
    .option('-f, --follow', "keep reading as a running tap records (waiting for the file if the tap has not created it yet, going on with the new recording if a tap restarts on it): each event as it is written (as --events, or --json with each recording's header record first), until Ctrl-C; then, without --json, the timeline")
    .addHelpText('after', '\nExit status: 0 read completely (or followed until SIGINT or SIGTERM); 2 not a readable trace, or cut off inside a block (what could be read is shown, then where the cut is).')
    .action(async (path: string, options: InspectOptions) => inspect(path, options));
}

async function inspect(path: string, options: InspectOptions): Promise<void> {
  if (options.raw && !options.json) throw new UsageError('--raw goes with --json');
  if (options.overview && (options.json || options.events || options.follow)) throw new UsageError('--overview is the timeline cut to its overview: it goes without --json, --events and --follow');
  const follow = options.follow ? abortOnSignal() : null;
  if (options.json) {
    const { follow: _follow, ...filter } = options;
    return exportJsonLines(path, follow ? { ...filter, follow } : filter);
  }
  const types = options.type ? new Set<string>(options.type) : null;
  const events = options.events || follow !== null;
  let trace: TraceFile | null = null;
  let summarizer = new LinkSummarizer();
  let firstT: number | null = null;
  let out = '';
  const flush = async (): Promise<void> => {
    if (out.length > 0) await writeOut(out);
    out = '';
  };
  const timeline = (): string => (events ? '\n' : '') + (options.overview ? renderOverview(summarizer.summaries()) : renderTimeline(summarizer.summaries()));
  try {
    const selected = new LinkFilter(options.link);
    for await (const item of traceItems(path, follow)) {
      if (item.kind === 'recording') {
        // Followed, a new recording replaced the one read so far: that one's timeline, then this one.
        if (trace !== null) out += `${timeline()}\n`;
        trace = item.trace;
        summarizer = new LinkSummarizer();
        firstT = null;
        out += renderHeader(path, trace.header);
        continue;
      }
      for (const record of item.records) {
        if (!selected.passes(record)) continue;
        summarizer.add(record);
        if (events && record.type !== 'raw' && (types === null || types.has(record.type as LinkEventType))) {
          firstT ??= record.t;
          out += `+${((record.t - firstT) / 1000).toFixed(3).padStart(9)}s  link ${record.link}  ${describeEvent(record)}\n`;
        }
        if (out.length > OUTPUT_BLOCK) await flush();
      }
      await flush();
    }
    // Followed, the link may simply not have come yet.
    const missing = follow === null ? selected.missing(path) : null;
    if (missing !== null) throw missing;
    if (trace !== null) out += timeline();
  } finally {
    await flush();
    if (trace !== null) reportCutTail(path, trace.warnings);
  }
}
