import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import type { PhaseMark } from '../../src/faults/chunk-map.js';
import { FaultPlanner, type Step } from '../../src/faults/planner.js';
import { LinkDecoder } from '../../src/link/link-decoder.js';
import type { FaultEvent, LinkEvent } from '../../src/link/events.js';
import { encodeCommand } from '../../src/resp/encode.js';
import { decodeChunks, resplit, bytewise, type Chunk } from '../support/decode.js';
import { loadLinkFixture } from '../support/link-fixture.js';

interface Outcome {
  written: { m2r: Buffer; r2m: Buffer };
  steps: { m2r: Step[]; r2m: Step[] };
  cut: boolean;
  faults: FaultEvent[];
}

/** What the tap's session does with each chunk, with the planned writes carried out at once. */
function runPlanned(chunks: Chunk[], specs: unknown[], clock: (i: number) => number = () => 0): Outcome {
  const planner = new FaultPlanner();
  for (const spec of specs) planner.add(spec, clock(0), []);
  const decoder = new LinkDecoder({ link: 1, args: true, rdb: 'keys', recordSecrets: false });
  const state = decoder.state;
  const out = { m2r: [] as Buffer[], r2m: [] as Buffer[] };
  const steps = { m2r: [] as Step[], r2m: [] as Step[] };
  const faults: FaultEvent[] = [];
  let cut = false;
  chunks.forEach(({ dir, data }, i) => {
    if (cut) return;
    const now = clock(i);
    const start = state.bytes[dir];
    const before: PhaseMark = { phase: state.phase, start: { ...state.phaseStart }, rdbLength: state.rdbLength };
    const pendingBefore = decoder.pendingBytes(dir);
    const events = decoder.feed(dir, data, now);
    if (planner.idle(1, dir)) {
      out[dir].push(data);
      return;
    }
    const plan = planner.plan({ link: 1, dir, chunk: data, start, events, before, state, pendingBefore, pendingAfter: decoder.pendingBytes(dir), now });
    if (plan.psync) state.psyncOffset = plan.psync.offset;
    faults.push(...plan.events);
    for (const step of plan.steps) {
      steps[dir].push(step);
      if (step.kind === 'cut') cut = true;
      else out[dir].push(step.data);
    }
  });
  return { written: { m2r: Buffer.concat(out.m2r), r2m: Buffer.concat(out.r2m) }, steps, cut, faults };
}

function joined(chunks: Chunk[], dir: 'm2r' | 'r2m'): Buffer {
  return Buffer.concat(chunks.filter((c) => c.dir === dir).map((c) => c.data));
}

function ofType<T extends LinkEvent['type']>(events: LinkEvent[], type: T): Extract<LinkEvent, { type: T }>[] {
  return events.filter((e): e is Extract<LinkEvent, { type: T }> => e.type === type);
}

const disk = loadLinkFixture('disk-full-sync');
const stream = loadLinkFixture('partial-resync');
const diskEvents = decodeChunks(disk.chunks);
const rdbBegin = ofType(diskEvents, 'rdb-begin')[0]!;
const cuts = fc.array(fc.nat(), { maxLength: 200 });

describe('FaultPlanner on captured links, at any chunking', () => {
  it('a disconnect at afterBytes N in the RDB forwards exactly the bytes before RDB byte N', () => {
    const n = Math.floor(rdbBegin.length! / 3);
    const expected = joined(disk.chunks, 'm2r').subarray(0, rdbBegin.pos + n);
    fc.assert(
      fc.property(cuts, (points) => {
        const outcome = runPlanned(resplit(disk.chunks, points), [{ action: 'disconnect', when: { phase: 'rdb', afterBytes: n } }]);
        expect(outcome.cut).toBe(true);
        expect(outcome.written.m2r.equals(expected)).toBe(true);
        expect(outcome.faults).toMatchObject([{ action: 'disconnect', pos: rdbBegin.pos + n, phase: 'rdb' }]);
      }),
      { numRuns: 60 },
    );
  });

  it('corrupt flips exactly the byte at the trigger and nothing else', () => {
    const n = 100;
    const expected = Buffer.from(joined(disk.chunks, 'm2r'));
    expected[rdbBegin.pos + n]! ^= 0x20;
    fc.assert(
      fc.property(cuts, (points) => {
        const outcome = runPlanned(resplit(disk.chunks, points), [{ action: 'corrupt', when: { phase: 'rdb', afterBytes: n }, params: { mask: 0x20 } }]);
        expect(outcome.written.m2r.equals(expected)).toBe(true);
        expect(outcome.faults).toHaveLength(1);
      }),
      { numRuns: 60 },
    );
  });

  it('drop removes whole ACK frames, even when they arrive a byte at a time', () => {
    const input = joined(disk.chunks, 'r2m');
    const ackFrames: [number, number][] = [];
    let previous = 0;
    for (const e of diskEvents) {
      const fromReplica = e.type === 'ack' || e.type === 'psync' || e.type === 'sync' || ((e.type === 'handshake' || e.type === 'keepalive') && e.dir === 'r2m');
      if (!fromReplica) continue;
      if (e.pos === previous) continue;
      if (e.type === 'ack') ackFrames.push([previous, e.pos]);
      previous = e.pos;
    }
    for (const e of ofType(diskEvents, 'ack')) if (!ackFrames.some(([, end]) => end === e.pos)) throw new Error('ACK without a span');
    expect(ackFrames.length).toBeGreaterThan(0);
    const check = (chunks: Chunk[]): void => {
      const outcome = runPlanned(chunks, [{ action: 'drop', params: { frames: 'ack' } }]);
      expect(outcome.written.r2m.toString('latin1')).toBe(withoutRanges(input, ackFrames).toString('latin1'));
      expect(outcome.written.m2r.equals(joined(disk.chunks, 'm2r'))).toBe(true);
      expect(outcome.faults.length).toBe(ackFrames.length);
    };
    check(bytewise(disk.chunks.filter((c) => c.dir === 'r2m')).concat(disk.chunks.filter((c) => c.dir === 'm2r')));
    fc.assert(fc.property(cuts, (points) => check(resplit(disk.chunks, points))), { numRuns: 40 });
  });

  it("drop removes the master's PINGs and GETACKs whole, and says by how much the replica's offset falls short", () => {
    const input = joined(disk.chunks, 'm2r');
    // Found by their bytes (Redis 7 spells the keep-alive ping in lowercase); as many as the decoder saw.
    const frames: [number, number][] = [];
    for (const frame of [encodeCommand(['ping']), encodeCommand(['REPLCONF', 'GETACK', '*'])]) {
      for (let at = input.indexOf(frame); at >= 0; at = input.indexOf(frame, at + 1)) frames.push([at, at + frame.length]);
    }
    frames.sort((a, b) => a[0] - b[0]);
    expect(frames).toHaveLength(ofType(diskEvents, 'ping').length + ofType(diskEvents, 'getack').length);
    expect(frames.length).toBeGreaterThanOrEqual(3);
    let short = 0;
    const details = frames.map(([from, to]) => `dropped a ${input.subarray(from, to).includes('GETACK') ? 'getack' : 'ping'} frame of ${to - from} bytes; the replica's offset is now short of the master's by the ${(short += to - from)} bytes this fault dropped on this link`);
    fc.assert(
      fc.property(cuts, (points) => {
        const outcome = runPlanned(resplit(disk.chunks, points), [{ action: 'drop', params: { frames: ['ping', 'getack'] } }]);
        expect(outcome.written.m2r.toString('latin1')).toBe(withoutRanges(input, frames).toString('latin1'));
        expect(outcome.written.r2m.equals(joined(disk.chunks, 'r2m'))).toBe(true);
        expect(outcome.faults.map((f) => f.detail)).toEqual(details);
      }),
      { numRuns: 40 },
    );
  });

  it("rewrite-psync replaces the replica's PSYNC frame, whole, with PSYNC ? -1", () => {
    const psync = ofType(diskEvents, 'psync')[0]!;
    const handshake = diskEvents.filter((e) => e.type === 'handshake' && e.dir === 'r2m' && e.pos < psync.pos).at(-1) as { pos: number } | undefined;
    const start = handshake?.pos ?? 0;
    const input = joined(disk.chunks, 'r2m');
    const expected = Buffer.concat([input.subarray(0, start), encodeCommand(['PSYNC', '?', '-1']), input.subarray(psync.pos)]);
    fc.assert(
      fc.property(cuts, (points) => {
        const outcome = runPlanned(resplit(disk.chunks, points), [{ action: 'rewrite-psync' }]);
        expect(outcome.written.r2m.equals(expected)).toBe(true);
        expect(outcome.faults).toMatchObject([{ action: 'rewrite-psync', detail: "rewrote the replica's PSYNC to PSYNC ? -1" }]);
      }),
      { numRuns: 40 },
    );
  });

  it('a disconnect after N commands ends the output at the end of the Nth command frame', () => {
    const commands = ofType(diskEvents, 'command');
    expect(commands.length).toBeGreaterThan(5);
    const fifth = commands[4]!;
    const end = ofType(diskEvents, 'rdb-end')[0]!;
    const fullresync = ofType(diskEvents, 'fullresync')[0]!;
    const cutAt = end.pos + (fifth.offset - fullresync.offset);
    fc.assert(
      fc.property(cuts, (points) => {
        const outcome = runPlanned(resplit(disk.chunks, points), [{ action: 'disconnect', when: { afterCommands: 5 } }]);
        expect(outcome.written.m2r.equals(joined(disk.chunks, 'm2r').subarray(0, cutAt))).toBe(true);
        expect(outcome.faults[0]).toMatchObject({ offset: fifth.offset, phase: 'stream' });
      }),
      { numRuns: 40 },
    );
  });
});

function withoutRanges(input: Buffer, ranges: [number, number][]): Buffer {
  const parts: Buffer[] = [];
  let from = 0;
  for (const [a, b] of ranges) {
    parts.push(input.subarray(from, a));
    from = b;
  }
  parts.push(input.subarray(from));
  return Buffer.concat(parts);
}

describe('FaultPlanner, more triggers and actions', () => {
  it('offset: a disconnect acts exactly where the stream reaches the offset', () => {
    const commands = ofType(diskEvents, 'command');
    const target = commands[2]!.offset - 3;
    const end = ofType(diskEvents, 'rdb-end')[0]!;
    const fullresync = ofType(diskEvents, 'fullresync')[0]!;
    fc.assert(
      fc.property(cuts, (points) => {
        const outcome = runPlanned(resplit(disk.chunks, points), [{ action: 'disconnect', when: { offset: target } }]);
        expect(outcome.written.m2r.length).toBe(end.pos + (target - fullresync.offset));
        expect(outcome.faults[0]).toMatchObject({ offset: target });
      }),
      { numRuns: 30 },
    );
  });

  it('command: acts at the start of the first frame with that name', () => {
    const psync = ofType(diskEvents, 'psync')[0]!;
    const outcome = runPlanned(disk.chunks, [{ action: 'disconnect', direction: 'r2m', when: { command: 'psync' } }]);
    const r2m = joined(disk.chunks, 'r2m');
    expect(outcome.written.r2m.equals(r2m.subarray(0, r2m.lastIndexOf('*3\r\n$5\r\nPSYNC', psync.pos)))).toBe(true);
  });

  it('rewrite-psync to a given replid and offset', () => {
    const replid = 'f'.repeat(40);
    const outcome = runPlanned(disk.chunks, [{ action: 'rewrite-psync', params: { replid, offset: 42 } }]);
    expect(outcome.written.r2m.includes(encodeCommand(['PSYNC', replid, 42]))).toBe(true);
    expect(outcome.faults[0]!.detail).toBe(`rewrote the replica's PSYNC to PSYNC ${replid} 42`);
  });

  it('slice: writes of at most n bytes, intervalMs apart, nothing lost', () => {
    const outcome = runPlanned(stream.chunks, [{ action: 'slice', params: { bytes: 7, intervalMs: 5 } }]);
    expect(outcome.written.m2r.equals(joined(stream.chunks, 'm2r'))).toBe(true);
    const writes = outcome.steps.m2r.filter((s): s is Extract<Step, { kind: 'write' }> => s.kind === 'write');
    expect(Math.max(...writes.map((w) => w.data.length))).toBe(7);
    expect(writes[1]!.at - writes[0]!.at).toBe(5);
  });

  it('delay with jitter repeats for a seed and keeps the order', () => {
    const spec = { action: 'delay', params: { ms: 100, jitterMs: 50 }, seed: 9 };
    const times = (): number[] => runPlanned(stream.chunks, [spec], (i) => i).steps.m2r.map((s) => s.at);
    const first = times();
    expect(times()).toEqual(first);
    expect(first).toEqual([...first].sort((a, b) => a - b));
    expect(Math.max(...first)).toBeLessThanOrEqual(stream.chunks.length + 150);
  });

  it('afterMs: a disconnect waiting only for time acts on an idle link when polled', () => {
    const planner = new FaultPlanner();
    const decoder = new LinkDecoder({ link: 1, args: true, rdb: 'keys', recordSecrets: false });
    planner.add({ action: 'disconnect', when: { afterMs: 500, phase: 'handshake' } }, 1000, []);
    expect(planner.nextDeadline(1000)).toBe(1500);
    expect(planner.poll(1499, [{ link: 1, state: decoder.state }])).toEqual([]);
    const cuts = planner.poll(1500, [{ link: 1, state: decoder.state }]);
    expect(cuts).toMatchObject([{ link: 1, reset: false, event: { action: 'disconnect', phase: 'handshake' } }]);
    expect(planner.poll(2000, [{ link: 1, state: decoder.state }])).toEqual([]);
  });
});

describe('FaultPlanner timing', () => {

  it('delay: every byte is written, in order, no earlier than ms after it arrived', () => {
    const outcome = runPlanned(stream.chunks, [{ action: 'delay', params: { ms: 250 } }], (i) => i * 10);
    expect(outcome.written.m2r.equals(joined(stream.chunks, 'm2r'))).toBe(true);
    expect(outcome.steps.m2r.length).toBeGreaterThan(0);
    const times = outcome.steps.m2r.map((s) => s.at);
    expect(times).toEqual([...times].sort((a, b) => a - b));
    expect(Math.min(...times)).toBeGreaterThanOrEqual(250);
    expect(outcome.written.r2m.equals(joined(stream.chunks, 'r2m'))).toBe(true);
    expect(outcome.steps.r2m).toEqual([]);
  });

  it('throttle: writes are spaced so that no more than bytesPerSec leave per second', () => {
    const rate = 2000;
    const outcome = runPlanned(disk.chunks, [{ action: 'throttle', params: { bytesPerSec: rate } }]);
    const total = joined(disk.chunks, 'm2r').length;
    expect(outcome.written.m2r.length).toBe(total);
    const writes = outcome.steps.m2r.filter((s): s is Extract<Step, { kind: 'write' }> => s.kind === 'write');
    expect(Math.max(...writes.map((s) => s.data.length))).toBeLessThanOrEqual(rate * 0.05);
    const last = writes.at(-1)!;
    expect(last.at).toBeCloseTo(((total - last.data.length) / rate) * 1000, 0);
  });

  it('freeze without a duration holds every write of its direction by its id', () => {
    const outcome = runPlanned(stream.chunks, [{ id: 'hold', action: 'freeze', when: { phase: 'stream' } }]);
    const stepsAfter = outcome.steps.m2r.filter((s) => s.heldBy === 'hold');
    expect(stepsAfter.length).toBeGreaterThan(0);
    expect(outcome.faults).toMatchObject([{ id: 'hold', action: 'freeze', phase: 'stream' }]);
  });

  it('probability 0 never acts; times bounds the acts', () => {
    expect(runPlanned(disk.chunks, [{ action: 'drop', params: { frames: ['ack'] }, probability: 0 }]).faults).toEqual([]);
    expect(runPlanned(disk.chunks, [{ action: 'drop', params: { frames: ['ack'] }, times: 1 }]).faults).toHaveLength(1);
  });
});

describe('fault specs', () => {
  const planner = new FaultPlanner();
  it.each([
    [{ action: 'explode' }, 'action', /expected one of delay, throttle/],
    [{}, 'action', /is required/],
    [{ action: 'delay' }, 'params.ms', /is required/],
    [{ action: 'delay', params: { ms: -1 } }, 'params.ms', /must be 0 or more, got -1/],
    [{ action: 'delay', params: { ms: '5' } }, 'params.ms', /expected a number, got string "5"/],
    [{ action: 'delay', params: { ms: 5, extra: 1 } }, 'params.extra', /unknown field/],
    [{ action: 'throttle', params: { bytesPerSec: 0 } }, 'params.bytesPerSec', /must be 1 or more/],
    [{ action: 'disconnect', when: { phase: 'loading' } }, 'when.phase', /expected one of handshake, sync-wait, rdb, stream/],
    [{ action: 'disconnect', when: { afterPercent: 50 } }, 'when.afterPercent', /add "phase": "rdb"/],
    [{ action: 'disconnect', when: { phase: 'rdb', afterPercent: 150 } }, 'when.afterPercent', /0 to 100/],
    [{ action: 'disconnect', when: { phase: 'rdb', afterCommands: 3 } }, 'when.afterCommands', /never happens in phase rdb/],
    [{ action: 'drop', params: { frames: ['ack'] }, direction: 'm2r' }, 'direction', /acts on r2m only/],
    [{ action: 'delay', params: { ms: 1 }, direction: 'r2m', when: { afterCommands: 10 } }, 'when.afterCommands', /use direction "m2r" or "both"/],
    [{ action: 'drop', params: { frames: 'ack' }, when: { offset: 1000 } }, 'when.offset', /a drop of ACKs acts on r2m only: trigger it with afterMs or a phase, or add it once the stream has got there/],
    [{ action: 'rewrite-psync', when: { phase: 'stream', afterCommands: 5 } }, 'when.afterCommands', /rewrite-psync acts on r2m only/],
    [{ action: 'drop', params: { frames: ['ack', 'ping'] } }, 'params.frames', /one fault per direction/],
    [{ action: 'rewrite-psync', params: { replid: 'abc', offset: 1 } }, 'params.replid', /40 lowercase hex/],
    [{ action: 'rewrite-psync', params: { offset: 1 } }, 'params.replid', /both/],
    [{ action: 'delay', params: { ms: 1 }, probability: 2 }, 'probability', /0 to 1/],
    [{ action: 'freeze', direction: 'sideways' }, 'direction', /m2r, r2m, both/],
    ['freeze', 'spec', /expected a JSON object/],
  ])('%j is refused at %s', (spec, field, message) => {
    let error: unknown = null;
    try {
      planner.add(spec, 0, []);
    } catch (e) {
      error = e;
    }
    expect(error).toMatchObject({ name: 'FaultSpecError', field });
    expect((error as Error).message).toMatch(message);
    expect((error as Error).message.startsWith(`fault ${field}:`)).toBe(true);
  });

  it('fills in defaults and keeps a given id', () => {
    expect(planner.add({ id: 'cut', action: 'disconnect' }, 0, [])).toEqual({ id: 'cut', action: 'disconnect', direction: 'm2r', when: {}, params: { reset: false }, times: 1, probability: 1, seed: 1 });
    expect(planner.add({ action: 'drop', params: { frames: 'ack' } }, 0, [])).toMatchObject({ direction: 'r2m', times: null, params: { frames: ['ack'] } });
    expect(() => planner.add({ id: 'cut', action: 'delay', params: { ms: 1 } }, 0, [])).toThrow(/already active/);
  });
});
