import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { EofMarkFinder } from '../../src/link/eof-mark-finder.js';

const mark = Buffer.from('0123456789abcdef0123456789abcdef01234567');

function run(bytes: Buffer, cuts: number[]): { payload: Buffer; end: number } {
  const finder = new EofMarkFinder(mark);
  const parts: Buffer[] = [];
  let from = 0;
  for (const cut of [...cuts.filter((c) => c > 0 && c < bytes.length).sort((a, b) => a - b), bytes.length]) {
    const chunk = bytes.subarray(from, cut);
    const at = finder.find(chunk, 0, chunk.length, (b, s, e) => parts.push(Buffer.from(b.subarray(s, e))));
    if (at !== -1) return { payload: Buffer.concat(parts), end: from + at };
    from = cut;
  }
  return { payload: Buffer.concat(parts), end: -1 };
}

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

  it('holds back at most 39 bytes while the mark is not complete', () => {
    const finder = new EofMarkFinder(mark);
    let handed = 0;
    const chunk = Buffer.concat([Buffer.alloc(100, 0x80), mark.subarray(0, 39)]);
    expect(finder.find(chunk, 0, chunk.length, (_b, s, e) => (handed += e - s))).toBe(-1);
    expect(handed + finder.heldBack).toBe(chunk.length);
    expect(finder.heldBack).toBe(39);
    const rest = mark.subarray(39);
    expect(finder.find(rest, 0, rest.length, (_b, s, e) => (handed += e - s))).toBe(1);
    expect(handed).toBe(100);
  });
});
