import { TOOL_NAME, TOOL_VERSION } from '../version.js';
import { TRACE_FORMAT_VERSION, type TraceHeader } from './format.js';

/** A header for a new trace, written by this version of repltap. */
export function newTraceHeader(fields: Omit<TraceHeader, 'type' | 'format' | 'version' | 'tool' | 'toolVersion'>): TraceHeader {
  return { type: 'header', format: 'repltap-trace', version: TRACE_FORMAT_VERSION, tool: TOOL_NAME, toolVersion: TOOL_VERSION, ...fields };
}
