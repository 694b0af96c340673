import { TRACE_FORMAT_VERSION } from './format.js';
import { openTrace } from './reader.js';
import { TraceWriter } from './writer.js';

export interface CutWindow {
  link?: number;
  /** Epoch ms; records before it are left out. */
  from?: number;
  /** Epoch ms; records after it are left out. */
  to?: number;
}

/**
 * Writes the records of one link and/or one time window of a trace into a new trace with the same
 * header, as they are stored (a command run or a batch of RDB keys is kept or left out whole: its
 * parts share its link and time). Returns how many records were kept.
 */
export function cutTrace(input: string, output: string, window: CutWindow): { kept: number; read: number; warnings: string[] } {
  const trace = openTrace(input);
  let kept = 0;
  let read = 0;
  let writer: TraceWriter | null = null;
  try {
    // The copy is written in the current format, whatever the input's.
    writer = new TraceWriter(output, { ...trace.header, version: TRACE_FORMAT_VERSION });
    for (const record of trace.storedRecords()) {
      read++;
      if (window.link !== undefined && record.link !== window.link) continue;
      if (window.from !== undefined && record.t < window.from) continue;
      if (window.to !== undefined && record.t > window.to) continue;
      writer.append(record);
      kept++;
    }
  } finally {
    writer?.close();
    trace.close();
  }
  return { kept, read, warnings: trace.warnings };
}
