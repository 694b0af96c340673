import type { TraceFile } from '../trace/reader.js';
import type { TraceRecord } from '../trace/format.js';

/** How often `--follow` looks at the trace for new blocks (a tap flushes its trace every 200 ms). */
const FOLLOW_POLL_MS = 100;

/**
 * A trace's records in batches, each to be written out before the next: the whole file as one lazy
 * batch, or with `follow` the file so far, then each block as it is appended, until the signal.
 */
export async function* traceBatches(trace: TraceFile, follow: AbortSignal | null): AsyncGenerator<Iterable<TraceRecord>, void, undefined> {
  if (follow === null) yield trace.records();
  else yield* trace.follow({ pollMs: FOLLOW_POLL_MS, signal: follow });
}

/** A signal aborted by SIGINT or SIGTERM: how a `--follow` ends (a second Ctrl-C kills the process). */
export function abortOnSignal(): AbortSignal {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return controller.signal;
}
