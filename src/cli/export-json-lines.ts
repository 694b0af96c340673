import { toJsonLine } from './json-line.js';
import { writeOut } from './output.js';
import { reportCutTail } from './cut-tail.js';
import { LinkFilter } from './link-filter.js';
import type { TraceFile } from '../trace/reader.js';
import { traceItems } from './trace-items.js';

export interface ExportFilter {
  link?: number;
  /** Only these record types. */
  type?: string[];
  /** Include the `raw` byte records (base64). */
  raw?: boolean;
}

export interface ExportOptions extends ExportFilter {
  /** Keep reading as the trace grows, until this signal. */
  follow?: AbortSignal;
}

/** Output is gathered into blocks this large before it is written. */
const OUTPUT_BLOCK = 64 * 1024;

/**
 * Writes a trace's records as JSON lines (binary values as {"base64": ...}), streaming. Followed,
 * each recording starts with its header record, whatever the filter: a tap restarted on the trace
 * numbers its links from 1 again, and a script reading the lines must be able to tell.
 */
export async function exportJsonLines(path: string, options: ExportOptions): Promise<void> {
  const types = options.type ? new Set<string>(options.type) : null;
  let trace: TraceFile | null = null;
  let out = '';
  const selected = new LinkFilter(options.link);
  try {
    for await (const item of traceItems(path, options.follow ?? null)) {
      if (item.kind === 'recording') {
        trace = item.trace;
        if (options.follow !== undefined) out += `${toJsonLine(trace.header)}\n`;
        continue;
      }
      for (const record of item.records) {
        if (!selected.passes(record)) continue;
        if (record.type === 'raw' ? !options.raw : types !== null && !types.has(record.type)) continue;
        out += `${toJsonLine(record)}\n`;
        if (out.length > OUTPUT_BLOCK) {
          await writeOut(out);
          out = '';
        }
      }
      if (out.length > 0) await writeOut(out);
      out = '';
    }
    const missing = options.follow === undefined ? selected.missing(path) : null;
    if (missing !== null) throw missing;
  } finally {
    if (out.length > 0) await writeOut(out);
    if (trace !== null) reportCutTail(path, trace.warnings);
  }
}
