import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EOF_MARK_BYTES, EofMarkFinder } from '../../src/link/eof-mark-finder.js';

const mark = Buffer.from('0123456789abcdef0123456789abcdef01234567');

/**
 * Feeds `bytes` cut at `cuts`, each chunk in memory that is scribbled over once `find` returns (as
 * a reused read buffer is): what was handed of a chunk is copied then, what was handed of the
 * finder's own memory is kept as a view, which must stay intact.
 */
function run(bytes: Buffer, cuts: number[]): { payload: Buffer; end: number; maxHeld: number } {
  const finder = new EofMarkFinder(mark);
  const parts: Buffer[] = [];
  let chunkMemory = Buffer.alloc(0);
  const sink = (b: Buffer, s: number, e: number): void => {
    parts.push(b.buffer === chunkMemory.buffer ? Buffer.from(b.subarray(s, e)) : b.subarray(s, e));
  };
  let from = 0;
  let maxHeld = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    chunkMemory = Buffer.from(bytes.subarray(from, cut));
    const at = finder.find(chunkMemory, 0, chunkMemory.length, sink);
    chunkMemory.fill(0x2a);
    maxHeld = Math.max(maxHeld, finder.heldBack);
    if (at !== -1) return { payload: Buffer.concat(parts), end: from + at, maxHeld };
    from = cut;
  }
  return { payload: Buffer.concat(parts), end: -1, maxHeld };
}

/** Payload bytes rich in pieces of the mark: its prefixes, suffixes and middles, among other bytes. */
const markish = fc
  .array(
    fc.oneof(
      fc.uint8Array({ maxLength: 8 }).map((b) => Buffer.from(b)),
      fc.tuple(fc.nat(EOF_MARK_BYTES), fc.nat(EOF_MARK_BYTES)).map(([a, b]) => mark.subarray(Math.min(a, b), Math.max(a, b))),
    ),
    { maxLength: 60 },
  )
  .map((pieces) => Buffer.concat(pieces));

describe('EofMarkFinder', () => {
  it('finds the mark wherever the chunks split it, and hands over exactly the payload (property)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 500 }), fc.uint8Array({ maxLength: 50 }), fc.array(fc.nat(), { maxLength: 40 }), (payload, after, cuts) => {
        // A hex mark cannot occur in a payload of bytes >= 0x80, so the first occurrence is ours.
        const body = Buffer.from(payload.map((b) => b | 0x80));
        const bytes = Buffer.concat([body, mark, Buffer.from(after)]);
        const result = run(bytes, cuts.map((c) => c % (bytes.length + 1)));
        expect(result.end).toBe(body.length + mark.length);
        expect(result.payload.equals(body)).toBe(true);
      }),
    );
  });

  it('ends at the first whole mark of a payload full of its pieces, holding back at most 39 bytes, whatever the chunks (property)', () => {
    fc.assert(
      fc.property(markish, markish, fc.array(fc.nat(), { maxLength: 60 }), (before, after, cuts) => {
        const bytes = Buffer.concat([before, mark, after]);
        const first = bytes.indexOf(mark);
        const result = run(bytes, cuts.map((c) => c % (bytes.length + 1)));
        expect(result.end).toBe(first + EOF_MARK_BYTES);
        expect(result.payload.equals(bytes.subarray(0, first))).toBe(true);
        expect(result.maxHeld).toBeLessThanOrEqual(EOF_MARK_BYTES - 1);
      }),
      { numRuns: 500 },
    );
  });

  it('finds the mark fed byte by byte after a run of its own prefixes', () => {
    const bytes = Buffer.concat([mark.subarray(0, 39), mark.subarray(0, 20), mark, Buffer.from('tail')]);
    const result = run(bytes, Array.from({ length: bytes.length }, (_, i) => i));
    expect(result.end).toBe(59 + EOF_MARK_BYTES);
    expect(result.payload.equals(bytes.subarray(0, 59))).toBe(true);
  });

  it('holds back at most 39 bytes while the mark is not complete', () => {
    const finder = new EofMarkFinder(mark);
    let handed = 0;
    const sink = (_b: Buffer, s: number, e: number): void => void (handed += e - s);
    const chunk = Buffer.concat([Buffer.alloc(100, 0x80), mark.subarray(0, 39)]);
    expect(finder.find(chunk, 0, chunk.length, sink)).toBe(-1);
    expect(handed + finder.heldBack).toBe(chunk.length);
    expect(finder.heldBack).toBe(39);
    const rest = mark.subarray(39);
    expect(finder.find(rest, 0, rest.length, sink)).toBe(1);
    expect(handed).toBe(100);
  });
});
