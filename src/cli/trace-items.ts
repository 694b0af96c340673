import { setTimeout as sleep } from 'node:timers/promises';
import { TraceNotReadyError, TraceRewrittenError } from '../trace/errors.js';
import { openTrace, type TraceFile } from '../trace/reader.js';
import type { TraceRecord } from '../trace/format.js';

/** How often `--follow` looks at the trace for new blocks (a tap flushes its trace every 200 ms). */
const FOLLOW_POLL_MS = 100;

/** What reading a trace gives: a recording (its header first), then its records in batches, each to be written out before the next. */
export type TraceItem = { kind: 'recording'; trace: TraceFile } | { kind: 'records'; records: Iterable<TraceRecord> };

/**
 * A trace's recording, then its records: the whole file as one lazy batch, or with `follow` the
 * file so far, then each block as it is appended, until the signal. Followed, a file that a new
 * recording replaces (a tap restarted on the same path) goes on with that recording, as `tail -F`
 * does. Each recording is closed once read or left.
 */
export async function* traceItems(path: string, follow: AbortSignal | null): AsyncGenerator<TraceItem, void, undefined> {
  if (follow === null) {
    const trace = openTrace(path);
    try {
      yield { kind: 'recording', trace };
      yield { kind: 'records', records: trace.records() };
    } finally {
      trace.close();
    }
    return;
  }
  let trace = await openTraceToFollow(path, follow, () => process.stderr.write(`repltap: waiting for ${path} to be written (Ctrl-C to stop)\n`));
  while (trace !== null) {
    try {
      yield { kind: 'recording', trace };
      try {
        for await (const records of trace.follow({ pollMs: FOLLOW_POLL_MS, signal: follow })) yield { kind: 'records', records };
        return;
      } catch (error) {
        if (!(error instanceof TraceRewrittenError)) throw error;
        process.stderr.write(`repltap: ${path} was replaced by a new recording (a tap restarted on it?): following that one, its links numbered from 1 again\n`);
      }
    } finally {
      trace.close();
    }
    trace = await openTraceToFollow(path, follow, () => undefined);
  }
}

/**
 * Opens a trace to follow, waiting for it to exist and hold its header: a follower may start before
 * the tap that writes the file. Null when `signal` aborts first; `waiting` is called once if it waits.
 */
async function openTraceToFollow(path: string, signal: AbortSignal, waiting: () => void): Promise<TraceFile | null> {
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

/** A signal aborted by SIGINT or SIGTERM: how a `--follow` ends (a second Ctrl-C kills the process). */
export function abortOnSignal(): AbortSignal {
  const controller = new AbortController();
  const abort = (): void => controller.abort();
  process.once('SIGINT', abort);
  process.once('SIGTERM', abort);
  return controller.signal;
}
