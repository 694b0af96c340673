import { openTrace } from '../trace/reader.js';
import { toJsonLine } from './json-line.js';
import { writeOut } from './output.js';
import { reportCutTail } from './cut-tail.js';

export interface ExportFilter {
  link?: number;
  /** Only these record types. */
  type?: string[];
  /** Include the `raw` byte records (base64). */
  raw?: boolean;
}

/** Output is gathered into blocks this large before it is written. */
const OUTPUT_BLOCK = 64 * 1024;

/** Writes a trace's records as JSON lines (binary values as {"base64": ...}), streaming. */
export async function exportJsonLines(path: string, filter: ExportFilter): Promise<void> {
  const types = filter.type ? new Set<string>(filter.type) : null;
  const trace = openTrace(path);
  let out = '';
  try {
    for (const record of trace.records()) {
      if (filter.link !== undefined && record.link !== filter.link) continue;
      if (record.type === 'raw' ? !filter.raw : types !== null && !types.has(record.type)) continue;
      out += `${toJsonLine(record)}\n`;
      if (out.length > OUTPUT_BLOCK) {
        await writeOut(out);
        out = '';
      }
    }
  } finally {
    if (out.length > 0) await writeOut(out);
    trace.close();
    reportCutTail(path, trace.warnings);
  }
}
