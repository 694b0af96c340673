import { TRACE_FORMAT_VERSION, type TraceHeader } from '../../src/trace/format.js';

/** A trace header as the tap writes it, for tests that write traces themselves. */
export function traceHeader(overrides: Partial<TraceHeader> = {}): TraceHeader {
  return {
    type: 'header',
    format: 'repltap-trace',
    version: TRACE_FORMAT_VERSION,
    tool: 'repltap',
    toolVersion: 'test',
    startedAt: 1_795_000_000_000,
    source: 'proxy',
    master: '127.0.0.1:6379',
    listen: '127.0.0.1:7000',
    record: 'full',
    maxArgBytes: 256,
    maxArgs: 64,
    recordSecrets: false,
    ...overrides,
  };
}
