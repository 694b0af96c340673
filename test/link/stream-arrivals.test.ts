import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { seededGenerator } from '../../src/random.js';
import { StreamArrivals } from '../../src/link/stream-arrivals.js';

describe('stream arrivals', () => {
  it('date the oldest bytes after an ACK, and forget what an ACK confirmed', () => {
    const arrivals = new StreamArrivals();
    arrivals.note(100, 1000);
    arrivals.note(100, 1500); // nothing new arrived: the first arrival stands
    arrivals.note(250, 2000);
    arrivals.note(400, 3000);
    expect(arrivals.unconfirmedSince(0)).toBe(1000);
    expect(arrivals.unconfirmedSince(99)).toBe(1000);
    expect(arrivals.unconfirmedSince(100)).toBe(2000);
    expect(arrivals.unconfirmedSince(300)).toBe(3000);
    expect(arrivals.unconfirmedSince(400)).toBeNull();
    arrivals.confirm(250);
    expect(arrivals.unconfirmedSince(250)).toBe(3000);
    arrivals.confirm(400);
    expect(arrivals.unconfirmedSince(400)).toBeNull();
    arrivals.note(500, 4000);
    expect(arrivals.unconfirmedSince(400)).toBe(4000);
  });

  it('keep their memory bounded for a replica that never confirms, dating no arrival later than it was (property)', () => {
    // 100,000 arrivals 10 bytes and 1 ms apart, none confirmed, in 1024 checkpoints.
    const arrivals = new StreamArrivals();
    const count = 100_000;
    for (let k = 1; k <= count; k++) arrivals.note(k * 10, k);
    expect(arrivals.grain).toBeGreaterThanOrEqual(128);
    expect(arrivals.grain).toBeLessThanOrEqual(256);
    fc.assert(
      fc.property(fc.integer({ min: 0, max: count * 10 - 1 }), (acked) => {
        const truth = Math.floor(acked / 10) + 1; // the first arrival past `acked`
        const since = arrivals.unconfirmedSince(acked)!;
        expect(since).toBeLessThanOrEqual(truth);
        expect(truth - since).toBeLessThan(arrivals.grain);
      }),
    );
    expect(arrivals.unconfirmedSince(count * 10)).toBeNull();
  });

  it('date every unconfirmed arrival less than a grain early, however irregular the arrivals (property)', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer({ min: 2000, max: 6000 }), (seed, count) => {
        // Arrival gaps from a seeded generator: bursts under a millisecond among gaps up to 30 ms.
        const random = seededGenerator(seed);
        const arrivals = new StreamArrivals();
        const times: number[] = [];
        let t = 1_000;
        for (let k = 0; k < count; k++) {
          t += random() < 0.3 ? random() * 0.5 : random() * 30;
          times.push(t);
          arrivals.note((k + 1) * 10, t);
        }
        expect(arrivals.grain).toBeGreaterThan(1);
        // Acked up to just before arrival k: the answer is arrival k's time, at most a grain early.
        let late = 0;
        let earliest = 0;
        for (let k = 0; k < count; k++) {
          const early = times[k]! - arrivals.unconfirmedSince(k * 10 + 9)!;
          if (early < 0) late++;
          earliest = Math.max(earliest, early);
        }
        expect(late).toBe(0);
        expect(earliest).toBeLessThan(arrivals.grain);
      }),
      { numRuns: 30 },
    );
  });

  it('make room by dropping what was confirmed before merging anything', () => {
    const arrivals = new StreamArrivals();
    for (let k = 1; k <= 5000; k++) {
      arrivals.note(k * 10, k);
      // The replica confirms all but the last 100 arrivals as it goes.
      if (k > 100) arrivals.confirm((k - 100) * 10);
    }
    for (let k = 4901; k <= 5000; k++) expect(arrivals.unconfirmedSince(k * 10 - 1)).toBe(k);
    expect(arrivals.grain).toBe(1);
  });

  it('merge arrivals less than a millisecond apart into one checkpoint, dated by the first', () => {
    const arrivals = new StreamArrivals();
    arrivals.note(10, 100.2);
    arrivals.note(20, 100.9);
    arrivals.note(30, 101.5);
    expect(arrivals.unconfirmedSince(15)).toBe(100.2);
    expect(arrivals.unconfirmedSince(20)).toBe(101.5);
  });
});
