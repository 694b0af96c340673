import { createHash } from 'node:crypto';
import { connect, createServer, type Server, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { sleep, waitFor } from '../../src/servers/wait.js';
import { startTap, type Tap } from '../../src/tap/tap.js';

let tap: Tap | null = null;
let source: Server | null = null;
const sockets: Socket[] = [];
afterEach(async () => {
  await tap?.close();
  for (const s of sockets.splice(0)) s.destroy();
  source?.close();
});

const TOTAL = 100 * 1024 * 1024;

describe('backpressure', () => {
  it('a replica that stops reading stops the reads from the master; nothing piles up in the tap; every byte arrives', async () => {
    // The "master" is a byte source writing 100 MiB as fast as the socket takes it.
    const block = Buffer.alloc(1024 * 1024);
    for (let i = 0; i < block.length; i++) block[i] = (i * 31) & 0xff;
    const sent = createHash('sha256');
    let written = 0;
    source = createServer((socket) => {
      sockets.push(socket);
      const pump = (): void => {
        while (written < TOTAL) {
          written += block.length;
          sent.update(block);
          if (!socket.write(block)) return void socket.once('drain', pump);
        }
        socket.end();
      };
      pump();
    });
    await new Promise<void>((resolve) => source!.listen(0, '127.0.0.1', resolve));
    tap = await startTap({ master: `127.0.0.1:${(source.address() as { port: number }).port}` });

    const replica = connect({ host: '127.0.0.1', port: tap.address.port });
    sockets.push(replica);
    replica.pause();
    await sleep(1500);
    // Stalled: the tap holds at most its socket buffers, and the source is held back too.
    const forwarded = tap.links()[0]!.bytes.m2r;
    expect(forwarded).toBeLessThan(24 * 1024 * 1024);
    expect(written).toBeLessThan(48 * 1024 * 1024);
    await sleep(500);
    expect(tap.links()[0]!.bytes.m2r).toBe(forwarded);

    const received = createHash('sha256');
    let got = 0;
    replica.on('data', (d: Buffer) => {
      received.update(d);
      got += d.length;
    });
    replica.resume();
    await waitFor('every byte at the replica', 60_000, () => got === TOTAL);
    expect(received.digest('hex')).toBe(sent.digest('hex'));
  });
});
