import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandRunError, CommandRunExpander } from '../../src/link/command-run.js';
import type { CommandRunEvent } from '../../src/link/events.js';
import { LinkDecoder } from '../../src/link/link-decoder.js';
import { encodeCommand } from '../../src/resp/encode.js';
import { bytewise, decodeChunks, decodeChunksViaRuns, linkOfEveryFrameKind, m2r, r2m, resplit, type Chunk } from '../support/decode.js';

const REPLID = 'b3bb99b5899e4202b09258ebe17e7cb109f25a1a';
const SCANNER = { maxArgBytes: 64, maxArgs: 4 };

function link(): Chunk[] {
  return linkOfEveryFrameKind(REPLID);
}

describe('command runs', () => {
  const events = decodeChunks(link(), { scanner: SCANNER });

  it('hold the whole frames and leave out the rest (a cut argument, arguments past the limit, inline, *0)', () => {
    const decoder = new LinkDecoder({ link: 1, args: true, rdb: 'none', recordSecrets: false, scanner: SCANNER });
    const recorded = link().flatMap((c) => decoder.feedRuns(c.dir, c.data, 0));
    const shape = recorded.filter((e) => e.link === 1 && ['command-run', 'command', 'ping', 'keepalive'].includes(e.type)).map((e) => (e.type === 'command-run' ? `run of ${e.count}` : e.type === 'command' ? e.name : e.type));
    expect(shape).toEqual(['run of 6', 'set', 'run of 2', 'mset', 'run of 1', 'keepalive', 'ping', 'run of 2', 'set', 'run of 1', 'del', 'run of 4']);
    const firstRun = recorded.find((e): e is CommandRunEvent => e.type === 'command-run')!;
    expect(firstRun).toMatchObject({ db: null, tx: false, offset: 100 + firstRun.data.length });
    const secondRun = recorded.filter((e): e is CommandRunEvent => e.type === 'command-run')[1]!;
    expect(secondRun).toMatchObject({ db: 5, tx: true });
  });

  it('expand to exactly the events the decoder gives frame by frame, for any chunking (property)', () => {
    expect(events.some((e) => e.type === 'command' && e.cut !== undefined)).toBe(true);
    expect(decodeChunksViaRuns(link(), SCANNER).events).toEqual(events);
    expect(decodeChunksViaRuns(bytewise(link()), SCANNER).events).toEqual(events);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
        expect(decodeChunksViaRuns(resplit(link(), cuts), SCANNER).events).toEqual(events);
      }),
      { numRuns: 200 },
    );
  });

  it.each([
    ['a header line without its $', '*3\r\n$3\r\nSET\r\n%1\r\nb\r\n$1\r\n2\r\n', "expected '$' for argument 2 of 3, got '%' (0x25)"],
    ['a count without its CRLF', '*3x\n$3\r\nSET\r\n$1\r\nb\r\n$1\r\n2\r\n', "unexpected byte 'x' (0x78) in multibulk count"],
    ['a length without its CRLF', '*3\r\n$3\r\nSET\r\n$1x\nb\r\n$1\r\n2\r\n', "unexpected byte 'x' (0x78) in bulk length"],
    ['data without its CRLF', '*3\r\n$3\r\nSET\r\n$1\r\nbxx$1\r\n2\r\n', "expected CRLF after 1 byte of bulk data, got 'x' (0x78)"],
  ])('end at a frame named as the run before it with %s, where frame by frame finds the error (property)', (_, bad, message) => {
    const stream = Buffer.concat([encodeCommand(['SET', 'a', '1']), encodeCommand(['SET', 'a', '2']), Buffer.from(bad), encodeCommand(['SET', 'a', '3'])]);
    const chunks = [r2m(encodeCommand(['PSYNC', REPLID, '101'])), m2r(`+CONTINUE ${REPLID}\r\n`), m2r(stream)];
    for (const args of [true, false]) {
      const expected = decodeChunks(chunks, { args, scanner: SCANNER });
      expect(expected.filter((e) => e.type === 'decode-error').map((e) => (e.type === 'decode-error' ? e.message : ''))).toEqual([message]);
      fc.assert(
        fc.property(fc.array(fc.nat(), { maxLength: 6 }), (cuts) => {
          expect(decodeChunksViaRuns(resplit(chunks, cuts), SCANNER, 'none', args).events).toEqual(expected);
        }),
        { numRuns: 50 },
      );
    }
  });

  it('give what frame-by-frame decoding gives for any mix of frames of a few names, a corrupt byte anywhere, any chunking (property)', () => {
    const frame = fc.oneof(
      // Mostly SET, so that runs of one name are common; up to 4 arguments of up to 70 bytes, around SCANNER's limits.
      fc.tuple(fc.constantFrom('SET', 'SET', 'SET', 'SET', 'set', 'INCR', 'INCRBY', 'SELECT', 'MULTI', 'EXEC'), fc.array(fc.string({ maxLength: 70 }), { maxLength: 4 })).map(([name, args]) => encodeCommand([name, ...args])),
      fc.constant(Buffer.from('\n')),
    );
    fc.assert(
      fc.property(fc.array(frame, { minLength: 1, maxLength: 30 }), fc.option(fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 }))), fc.array(fc.nat(), { maxLength: 8 }), fc.boolean(), (frames, corrupt, cuts, args) => {
        const stream = Buffer.concat(frames);
        if (corrupt !== null) stream[corrupt[0] % stream.length] = corrupt[1];
        const chunks = [r2m(encodeCommand(['PSYNC', REPLID, '101'])), m2r(`+CONTINUE ${REPLID}\r\n`), m2r(stream)];
        expect(decodeChunksViaRuns(resplit(chunks, cuts), SCANNER, 'none', args).events).toEqual(decodeChunks(chunks, { args, scanner: SCANNER }));
      }),
      { numRuns: 500 },
    );
  });

  it('that do not hold the frames they announce are refused with where and what', () => {
    const expander = new CommandRunExpander(SCANNER, true);
    const run: CommandRunEvent = { type: 'command-run', t: 0, link: 3, pos: 50, offset: 150, db: 0, tx: false, count: 2, data: encodeCommand(['SET', 'a', '1']) };
    expect(() => expander.expand(run)).toThrow(new CommandRunError('command run of link 3 ending at offset 150: its data holds 1 frame, it announces 2'));
    const cutShort = { ...run, count: 1, data: run.data.subarray(0, 10) };
    expect(() => expander.expand(cutShort)).toThrow(/its data ends 10 bytes into a frame/);
    const garbage = { ...run, count: 1, data: Buffer.from('*1\r\n:5\r\n') };
    expect(() => expander.expand(garbage)).toThrow(/expected '\$' for argument 1 of 1, got ':' \(0x3a\) at byte 4 of its data/);
    // A refused run does not spoil the next one.
    expect(expander.expand({ ...run, count: 1 }).map((e) => e.type)).toEqual(['command']);
  });
});
