import { setTimeout as sleep } from 'node:timers/promises';
import { TraceNotReadyError } from '../trace/errors.js';
import { openTrace, type TraceFile } from '../trace/reader.js';
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

/**
 * Opens a trace to follow, waiting for it to exist and hold its header: a follower may start before
 * the tap that writes the file. Null when `signal` aborts first; `waiting` is called once if it waits.
 */
export async function openTraceToFollow(path: string, signal: AbortSignal, waiting: () => void): Promise<TraceFile | null> {
  let told = false;
  for (;;) {
    try {
      const trace = openTrace(path);
      // A header block still being written reads as cut off: not ready yet either.
      if (trace.warnings.length === 0) return trace;
      trace.close();
    } catch (error) {
      if (!(error instanceof TraceNotReadyError)) throw error;
    }
    if (signal.aborted) return null;
    if (!told) waiting();
    told = true;
    await sleep(FOLLOW_POLL_MS, undefined, { signal }).catch(() => undefined);
  }
}

/** The trace to read: at once, or with `follow` once it exists (saying so on stderr while it waits); null when stopped first. */
export function openToRead(path: string, follow: AbortSignal | null): Promise<TraceFile | null> {
  if (follow === null) return Promise.resolve(openTrace(path));
  return openTraceToFollow(path, follow, () => process.stderr.write(`repltap: waiting for ${path} to be written (Ctrl-C to stop)\n`));
}

/** A signal aborted by SIGINT or SIGTERM: how a `--follow` ends (a second Ctrl-C kills the process). */
export function abortOnSignal(): AbortSignal {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return controller.signal;
}
