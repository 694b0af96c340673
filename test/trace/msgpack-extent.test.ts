import fc from 'fast-check';
import { Packr } from 'msgpackr';
import { describe, expect, it } from 'vitest';
import { msgpackValueEnd } from '../../src/trace/msgpack-extent.js';

const packr = new Packr({ useRecords: false, variableMapSize: true });

describe('msgpackValueEnd', () => {
  it('finds the end of any value, and -1 for every strict prefix (property)', () => {
    const value = fc.anything({ values: [fc.integer(), fc.double(), fc.string(), fc.boolean(), fc.constant(null), fc.uint8Array().map((u) => Buffer.from(u)), fc.bigInt({ min: -(2n ** 63n), max: 2n ** 64n - 1n })] });
    fc.assert(
      fc.property(value, value, (a, b) => {
        const first = packr.pack(a);
        const both = Buffer.concat([first, packr.pack(b)]);
        expect(msgpackValueEnd(both, 0)).toBe(first.length);
        for (let cut = 0; cut < first.length; cut++) expect(msgpackValueEnd(both.subarray(0, cut), 0)).toBe(-1);
      }),
      { numRuns: 300 },
    );
  });

  it('refuses the never-used byte 0xc1', () => {
    expect(msgpackValueEnd(Buffer.from([0xc1]), 0)).toBe(-1);
  });
});
