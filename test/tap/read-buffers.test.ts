import { describe, expect, it } from 'vitest';
import { ReadBuffers } from '../../src/tap/read-buffers.js';

/** Reads `count` chunks of `size` bytes, each filled with its own number, as the socket would. */
function read(buffers: ReadBuffers, count: number, size: number, first = 0): Buffer[] {
  const chunks: Buffer[] = [];
  for (let k = 0; k < count; k++) {
    buffers.next().fill((first + k) & 0xff, 0, size);
    chunks.push(buffers.take(size));
  }
  return chunks;
}

describe('read buffers', () => {
  it('start a full pool again from its beginning when nothing points into it', () => {
    const buffers = new ReadBuffers(() => true);
    const chunks = read(buffers, 40, 64 * 1024);
    expect(buffers.counts).toEqual({ allocated: 1, reused: 2 });
    // The pool holds 16 reads: the 17th lands where the first was.
    expect(chunks[16]!.buffer).toBe(chunks[0]!.buffer);
    expect(chunks[16]!.byteOffset).toBe(chunks[0]!.byteOffset);
  });

  it('allocate a new pool, and leave every chunk handed out intact, while something may point into it', () => {
    const buffers = new ReadBuffers(() => false);
    const chunks = read(buffers, 40, 64 * 1024);
    expect(buffers.counts).toEqual({ allocated: 3, reused: 0 });
    chunks.forEach((chunk, k) => expect(chunk.every((b) => b === k)).toBe(true));
  });

  it('ask only when a pool is full, after the chunk before was handled', () => {
    let asked = 0;
    const buffers = new ReadBuffers(() => {
      asked++;
      return asked % 2 === 0;
    });
    // Small reads: 100 of 10 KiB fit in one pool before the next read (up to 64 KiB) might not.
    read(buffers, 100, 10 * 1024);
    expect(asked).toBe(1);
    expect(buffers.counts).toEqual({ allocated: 2, reused: 0 });
  });
});
