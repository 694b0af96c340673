import { appendFileSync, closeSync, mkdtempSync, openSync, readFileSync, renameSync, rmSync, truncateSync, writeFileSync, writeSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { LinkEvent } from '../../src/link/events.js';
import { TraceNotReadyError, TraceRewrittenError } from '../../src/trace/errors.js';
import { TRACE_MAGIC } from '../../src/trace/format.js';
import type { TraceRecord } from '../../src/trace/format.js';
import { openTrace, type TraceFile } from '../../src/trace/reader.js';
import { TraceWriter } from '../../src/trace/writer.js';
import { sleep } from '../../src/servers/wait.js';
import { traceHeader } from '../support/trace-header.js';

const dir = mkdtempSync(join(tmpdir(), 'repltap-follow-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const POLL_MS = 10;

function commands(from: number, n: number): LinkEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    type: 'command',
    t: 1_700_000_000_000 + from + i,
    link: 1,
    offset: (from + i + 1) * 40,
    size: 40,
    name: 'set',
    argc: 3,
    args: [Buffer.from(`key:${from + i}`), Buffer.from('value')],
    db: 0,
  }));
}

/** A trace of a header block, then one block per batch: the file's bytes and where each block starts. */
function blocks(name: string, batches: LinkEvent[][]): { bytes: Buffer; starts: number[] } {
  const path = join(dir, name);
  const writer = new TraceWriter(path, traceHeader());
  const starts = [readFileSync(path).length];
  for (const batch of batches) {
    for (const event of batch) writer.append(event);
    writer.flush();
    starts.push(readFileSync(path).length);
  }
  writer.close();
  return { bytes: readFileSync(path), starts };
}

/** Follows the trace at `path`, stopped by the returned controller. */
function follow(path: string): { trace: TraceFile; controller: AbortController; batches: AsyncGenerator<TraceRecord[], void, undefined> } {
  const trace = openTrace(path);
  const controller = new AbortController();
  return { trace, controller, batches: trace.follow({ pollMs: POLL_MS, signal: controller.signal }) };
}

/** Whether a promise settles within a few polls. */
async function settlesSoon(promise: Promise<unknown>): Promise<boolean> {
  let settled = false;
  void promise.then(() => (settled = true));
  await sleep(POLL_MS * 6);
  return settled;
}

describe('following a trace as it is written', () => {
  const [a, b] = [commands(0, 100), commands(100, 100)];
  const { bytes, starts } = blocks('source.rtrace', [a, b]);
  const [headerEnd, aEnd, bEnd] = starts as [number, number, number];

  it('gives the records written so far, then each block once it is whole, and ends when aborted', async () => {
    const path = join(dir, 'growing.rtrace');
    writeFileSync(path, bytes.subarray(0, aEnd));
    const { trace, controller, batches } = follow(path);
    expect((await batches.next()).value).toEqual(a);

    const next = batches.next();
    // Half a block is a block still being written: waited for, not a cut-off tail.
    appendFileSync(path, bytes.subarray(aEnd, aEnd + 3));
    expect(await settlesSoon(next)).toBe(false);
    appendFileSync(path, bytes.subarray(aEnd + 3, aEnd + 200));
    expect(await settlesSoon(next)).toBe(false);
    appendFileSync(path, bytes.subarray(aEnd + 200, bEnd));
    expect((await next).value).toEqual(b);

    const end = batches.next();
    expect(await settlesSoon(end)).toBe(false);
    controller.abort();
    expect(await end).toEqual({ done: true, value: undefined });
    expect(trace.warnings).toEqual([]);
    trace.close();
  });

  it('reads a block still cut off when following stops as far as it goes, and says where it is cut', async () => {
    const path = join(dir, 'cut.rtrace');
    const cut = aEnd + Math.floor((bEnd - aEnd) / 2);
    writeFileSync(path, bytes.subarray(0, cut));
    const { trace, controller, batches } = follow(path);
    expect((await batches.next()).value).toEqual(a);
    const next = batches.next();
    expect(await settlesSoon(next)).toBe(false);
    controller.abort();
    const partial = (await next).value as LinkEvent[];
    expect(partial.length).toBeGreaterThan(0);
    expect(partial).toEqual(b.slice(0, partial.length));
    expect((await batches.next()).done).toBe(true);
    expect(trace.warnings.join()).toContain(`cut off at byte ${cut}, inside the block that starts at byte ${aEnd}`);
    trace.close();
  });

  /** Follows `path` through the batches expected, then changes the file: what the next read throws. */
  async function afterChange(path: string, expected: LinkEvent[][], change: () => void): Promise<unknown> {
    const { trace, batches } = follow(path);
    try {
      for (const batch of expected) expect((await batches.next()).value).toEqual(batch);
      change();
      return await batches.next().catch((error: unknown) => error);
    } finally {
      trace.close();
    }
  }

  it('reports a file rewritten while followed (a new recording): shrunk, grown past what was read with another header, or moved into place', async () => {
    const path = join(dir, 'rewritten.rtrace');
    writeFileSync(path, bytes);
    const shrunk = await afterChange(path, [a, b], () => truncateSync(path, headerEnd));
    expect(shrunk).toBeInstanceOf(TraceRewrittenError);
    expect(shrunk).toMatchObject({ message: `${path}: at byte ${headerEnd}: the file shrank from ${bEnd} to ${headerEnd} bytes while followed: a new recording replaced it` });

    // Another recording, already longer than what was read: only its header tells.
    const other = join(dir, 'other-recording.rtrace');
    const writer = new TraceWriter(other, traceHeader({ startedAt: 1_795_000_000_001 }));
    for (const event of [...a, ...b]) writer.append(event);
    writer.close();
    expect(readFileSync(other).length).toBeGreaterThan(aEnd);
    writeFileSync(path, bytes.subarray(0, aEnd));
    const replaced = await afterChange(path, [a], () => writeFileSync(path, readFileSync(other)));
    expect(replaced).toBeInstanceOf(TraceRewrittenError);
    expect(replaced).toMatchObject({ message: `${path}: at byte 0: its header block changed while followed: a new recording replaced it` });

    // A recording written elsewhere and renamed into place.
    writeFileSync(path, bytes);
    const moved = await afterChange(path, [a, b], () => renameSync(other, path));
    expect(moved).toBeInstanceOf(TraceRewrittenError);
    expect(moved).toMatchObject({ message: `${path}: at byte 0: the path now names another file: a new recording replaced it` });
  });

  it('goes on reading a followed file whose path was removed', async () => {
    const path = join(dir, 'removed.rtrace');
    writeFileSync(path, bytes.subarray(0, aEnd));
    const { trace, controller, batches } = follow(path);
    expect((await batches.next()).value).toEqual(a);
    const fd = openSync(path, 'a');
    rmSync(path);
    writeSync(fd, bytes.subarray(aEnd));
    closeSync(fd);
    expect((await batches.next()).value).toEqual(b);
    controller.abort();
    expect((await batches.next()).done).toBe(true);
    trace.close();
  });

  it('starts from a trace holding only its header', async () => {
    const path = join(dir, 'header-only.rtrace');
    writeFileSync(path, bytes.subarray(0, headerEnd));
    expect(headerEnd).toBeGreaterThan(TRACE_MAGIC.length);
    const { trace, controller, batches } = follow(path);
    const next = batches.next();
    appendFileSync(path, bytes.subarray(headerEnd, aEnd));
    expect((await next).value).toEqual(a);
    controller.abort();
    expect((await batches.next()).done).toBe(true);
    trace.close();
  });

  it('a trace not written yet (missing, empty, cut inside its magic or header block) is not ready, not corrupt', () => {
    const path = join(dir, 'not-yet.rtrace');
    expect(() => openTrace(path)).toThrow(TraceNotReadyError);
    for (const size of [0, 3, TRACE_MAGIC.length, TRACE_MAGIC.length + 5]) {
      writeFileSync(path, bytes.subarray(0, size));
      expect(() => openTrace(path), `${size} bytes`).toThrow(TraceNotReadyError);
    }
    writeFileSync(path, Buffer.from('REDIS0011'));
    expect(() => openTrace(path)).toThrow(/not a repltap trace/);
    expect(() => openTrace(path)).not.toThrow(TraceNotReadyError);
  });
});
