import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { CommandBatchError, expandCommandBatch } from '../../src/link/command-batch.js';
import type { CommandBatchEvent } from '../../src/link/events.js';
import { LinkDecoder } from '../../src/link/link-decoder.js';
import { encodeCommand } from '../../src/resp/encode.js';
import { bytewise, decodeChunks, decodeChunksViaRuns, linkOfEveryFrameKind, resplit, type Chunk } from '../support/decode.js';
import { linkFixtureNames, loadLinkFixture } from '../support/link-fixture.js';

const REPLID = 'b3bb99b5899e4202b09258ebe17e7cb109f25a1a';
const SCANNER = { maxArgBytes: 64, maxArgs: 4 };

function link(): Chunk[] {
  return linkOfEveryFrameKind(REPLID);
}

function batchesOf(chunks: Chunk[]): CommandBatchEvent[] {
  const decoder = new LinkDecoder({ link: 1, args: false, rdb: 'none', recordSecrets: false, scanner: SCANNER });
  return chunks.flatMap((c) => decoder.feedRuns(c.dir, c.data, 0)).filter((e): e is CommandBatchEvent => e.type === 'command-batch');
}

describe('command batches (arguments not kept)', () => {
  const events = decodeChunks(link(), { args: false, scanner: SCANNER });

  it('hold every frame but SELECT, MULTI, EXEC and REPLCONF, long arguments and all, column by column', () => {
    const decoder = new LinkDecoder({ link: 1, args: false, rdb: 'none', recordSecrets: false, scanner: SCANNER });
    const recorded = link().flatMap((c) => decoder.feedRuns(c.dir, c.data, 0));
    const shape = recorded.filter((e) => e.link === 1 && ['command-batch', 'command', 'getack'].includes(e.type)).map((e) => (e.type === 'command-batch' ? `batch of ${e.count}` : e.type === 'command' ? e.name : e.type));
    expect(shape).toEqual(['select', 'batch of 3', 'multi', 'select', 'batch of 2', 'exec', 'batch of 1', 'getack', 'batch of 11']);
    const batches = recorded.filter((e): e is CommandBatchEvent => e.type === 'command-batch');
    expect(batches[0]).toMatchObject({ db: 2, tx: false, names: ['set', 'ping'], kinds: [0, -1, 1], argcs: [3, 0, 1], offset: 100 + batches[0]!.sizes.reduce((a, b) => a + b, 0) + encodeCommand(['SELECT', '2']).length });
    expect(batches[1]).toMatchObject({ db: 5, tx: true, names: ['set', 'incr'], sizes: [encodeCommand(['SET', 'long', 'v'.repeat(200)]).length, encodeCommand(['INCR', 'c']).length] });
    // An empty multibulk is a keep-alive like a newline; the inline PING, both spellings of SET and frames past the argument limits are in; INCR is not taken for the INCRBY before it.
    expect(batches[3]).toMatchObject({ names: ['ping', 'del', 'set', 'incrby', 'incr'], kinds: [-1, 0, 1, 2, 2, 1, 1, 1, 2, 3, 4], sizes: [4, 6, ...batches[3]!.sizes.slice(2)] });
  });

  it('expand to exactly the events the decoder gives frame by frame, for any chunking (property)', () => {
    expect(events.filter((e) => e.type === 'command').every((e) => !('args' in e))).toBe(true);
    expect(decodeChunksViaRuns(link(), SCANNER, 'none', false).events).toEqual(events);
    expect(decodeChunksViaRuns(bytewise(link()), SCANNER, 'none', false).events).toEqual(events);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 12 }), (cuts) => {
        expect(decodeChunksViaRuns(resplit(link(), cuts), SCANNER, 'none', false).events).toEqual(events);
      }),
      { numRuns: 200 },
    );
  });

  it('take frames that span chunks too', () => {
    const chunks = bytewise(link());
    const batches = batchesOf(chunks);
    expect(batches.length).toBeGreaterThan(0);
    expect(batches.reduce((n, b) => n + b.count, 0)).toBe(17);
  });

  it.each(linkFixtureNames())('give the events of link fixture %s (captured from redis-server), in socket-size and random chunks', (name) => {
    const { chunks } = loadLinkFixture(name);
    const expected = decodeChunks(chunks, { args: false, rdb: 'summary' });
    expect(decodeChunksViaRuns(chunks, {}, 'summary', false).events).toEqual(expected);
    fc.assert(
      fc.property(fc.array(fc.nat(), { maxLength: 40 }), (cuts) => {
        expect(decodeChunksViaRuns(resplit(chunks, cuts), {}, 'summary', false).events).toEqual(expected);
      }),
      { numRuns: 20 },
    );
  });

  it('whose columns disagree are refused with where and what', () => {
    const batch: CommandBatchEvent = { type: 'command-batch', t: 0, link: 3, pos: 50, offset: 150, db: 0, tx: false, count: 2, names: ['set'], kinds: [0, -1], sizes: [30, 1], argcs: [3, 0] };
    expect(expandCommandBatch(batch).map((e) => [e.type, 'offset' in e ? e.offset : null])).toEqual([
      ['command', 149],
      ['keepalive', null],
    ]);
    const refused = (change: Partial<CommandBatchEvent>): (() => unknown) => () => expandCommandBatch({ ...batch, ...change });
    expect(refused({ count: 3 })).toThrow(new CommandBatchError('command batch of link 3 ending at offset 150: its kinds column does not hold 3 entries'));
    expect(refused({ kinds: [1, -1] })).toThrow(/frame 0 names command 1 of 1/);
    expect(refused({ sizes: [30, 0] })).toThrow(/frame 1 has size 0/);
    expect(refused({ argcs: [0, 0] })).toThrow(/frame 0 has 0 arguments/);
    expect(refused({ argcs: [3, 2] })).toThrow(/frame 1 has 2 arguments/);
    expect(refused({ names: [7] as unknown as string[] })).toThrow(/its names are not a list of strings/);
  });
});
