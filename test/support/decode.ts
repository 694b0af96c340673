import { expandCommandBatch } from '../../src/link/command-batch.js';
import { CommandRunExpander } from '../../src/link/command-run.js';
import type { RdbDepth } from '../../src/link/decoder-options.js';
import { LinkDecoder } from '../../src/link/link-decoder.js';
import { expandRdbKeys } from '../../src/link/rdb-key-batch.js';
import type { Direction, LinkEvent, RecordedEvent } from '../../src/link/events.js';
import type { CommandScannerOptions } from '../../src/resp/command-scanner.js';
import { encodeCommand } from '../../src/resp/encode.js';

export interface Chunk {
  dir: Direction;
  data: Buffer;
}

/** Feeds chunks in order through a fresh decoder (time 0) and returns all events. */
export function decodeChunks(chunks: Chunk[], options: { args?: boolean; recordSecrets?: boolean; scanner?: Partial<CommandScannerOptions>; rdb?: RdbDepth } = {}): LinkEvent[] {
  const decoder = new LinkDecoder({ link: 1, args: options.args ?? true, rdb: options.rdb ?? 'values', recordSecrets: options.recordSecrets ?? false, scanner: options.scanner ?? {} });
  return chunks.flatMap((c) => decoder.feed(c.dir, c.data, 0));
}

/**
 * As `decodeChunks`, through command runs (command batches without `args`) and key batches: fed
 * with `feedRuns`, each run and batch expanded as a trace reader does. Returns the expanded events
 * and how many runs (or command batches) and key batches were made.
 */
export function decodeChunksViaRuns(chunks: Chunk[], scanner: Partial<CommandScannerOptions> = {}, rdb: RdbDepth = 'values', args = true): { events: LinkEvent[]; runs: number; keyBatches: number } {
  const decoder = new LinkDecoder({ link: 1, args, rdb, recordSecrets: false, scanner });
  const expander = new CommandRunExpander(scanner, true);
  let runs = 0;
  let keyBatches = 0;
  const events = chunks.flatMap((c) =>
    decoder.feedRuns(c.dir, c.data, 0).flatMap((e: RecordedEvent): LinkEvent[] => {
      if (e.type === 'command-run') {
        runs++;
        return expander.expand(e);
      }
      if (e.type === 'command-batch') {
        runs++;
        return expandCommandBatch(e);
      }
      if (e.type === 'rdb-keys') {
        keyBatches++;
        return expandRdbKeys(e);
      }
      return [e];
    }),
  );
  return { events, runs, keyBatches };
}

/** Splits each chunk at the given cut points (taken modulo its length), keeping the arrival order. */
export function resplit(chunks: Chunk[], cuts: number[]): Chunk[] {
  const out: Chunk[] = [];
  let k = 0;
  for (const { dir, data } of chunks) {
    const points = new Set<number>();
    for (let n = 0; n < 3 && k < cuts.length; n++, k++) points.add(cuts[k]! % Math.max(1, data.length));
    let from = 0;
    for (const p of [...points].sort((a, b) => a - b)) {
      if (p > from) out.push({ dir, data: data.subarray(from, p) });
      from = Math.max(from, p);
    }
    out.push({ dir, data: data.subarray(from) });
  }
  return out;
}

/** Every chunk cut into single bytes. */
export function bytewise(chunks: Chunk[]): Chunk[] {
  return chunks.flatMap(({ dir, data }) => Array.from(data, (_, i) => ({ dir, data: data.subarray(i, i + 1) })));
}

/** Builds chunks from text, for hand-made cases. */
export function r2m(text: string | Buffer): Chunk {
  return { dir: 'r2m', data: Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1') };
}

export function m2r(text: string | Buffer): Chunk {
  return { dir: 'm2r', data: Buffer.isBuffer(text) ? text : Buffer.from(text, 'latin1') };
}

/**
 * A resumed link whose stream has every kind of frame a command run or batch may hold or must
 * leave out, for the scanner limits `{ maxArgBytes: 64, maxArgs: 4 }`: SELECT, MULTI and EXEC,
 * REPLCONF GETACK, a keep-alive newline, `*0`, an inline PING, arguments past both limits, and
 * names spelled two ways. The PSYNC asks for offset 101.
 */
export function linkOfEveryFrameKind(replid: string): Chunk[] {
  const frames = [
    encodeCommand(['SELECT', '2']),
    encodeCommand(['SET', 'a', '1']),
    Buffer.from('\n'),
    encodeCommand(['PING']),
    encodeCommand(['MULTI']),
    encodeCommand(['SELECT', '5']),
    encodeCommand(['SET', 'long', 'v'.repeat(200)]),
    encodeCommand(['INCR', 'c']),
    encodeCommand(['EXEC']),
    encodeCommand(['MSET', 'k1', 'v1', 'k2', 'v2', 'k3', 'v3']),
    encodeCommand(['REPLCONF', 'GETACK', '*']),
    Buffer.from('*0\r\n'),
    Buffer.from('ping\r\n'),
    encodeCommand(['DEL', 'a']),
    // Frames of the name just passed over that still must not join a run: a cut argument, too many arguments, other bytes.
    encodeCommand(['SET', 'b', '2']),
    encodeCommand(['SET', 'long', 'w'.repeat(100)]),
    encodeCommand(['DEL', 'x']),
    encodeCommand(['DEL', 'a', 'b', 'c', 'd']),
    encodeCommand(['del', 'b']),
    encodeCommand(['set', 'c', '3']),
    // A name that begins another: INCR after INCRBY is a frame of its own name.
    encodeCommand(['INCRBY', 'c', '2']),
    encodeCommand(['INCR', 'c']),
  ];
  return [r2m(encodeCommand(['PSYNC', replid, '101'])), m2r(`+CONTINUE ${replid}\r\n`), m2r(Buffer.concat(frames)), r2m(encodeCommand(['REPLCONF', 'ACK', '100']))];
}
