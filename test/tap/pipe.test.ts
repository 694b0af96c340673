import { createServer, connect, type Socket } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import type { Step } from '../../src/faults/planner.js';
import { sleep, waitFor } from '../../src/servers/wait.js';
import { listenOn } from '../../src/tap/listen.js';
import { Pipe, type PipeHooks } from '../../src/tap/pipe.js';

/** Both ends of a loopback TCP connection; the first is read with `onread` when given one, as the tap reads the master. */
async function socketPair(onread?: (chunk: Buffer) => boolean): Promise<[Socket, Socket]> {
  const server = createServer();
  const { port } = await listenOn(server, { host: '127.0.0.1', port: 0 });
  const accepted = new Promise<Socket>((resolve) => server.once('connection', resolve));
  const memory = Buffer.alloc(64 * 1024);
  const client = connect({ host: '127.0.0.1', port, ...(onread && { onread: { buffer: memory, callback: (n: number) => onread(Buffer.from(memory.subarray(0, n))) } }) });
  await new Promise<void>((resolve) => client.once('connect', resolve));
  const peer = await accepted;
  server.close();
  return [client, peer];
}

/** What arrives at a socket, and whether it has ended. */
function collect(socket: Socket): { bytes: () => string; ended: Promise<void> } {
  const chunks: Buffer[] = [];
  socket.on('data', (chunk: Buffer) => chunks.push(chunk));
  const ended = new Promise<void>((resolve) => socket.once('end', resolve));
  return { bytes: () => Buffer.concat(chunks).toString('latin1'), ended };
}

const opened: Socket[] = [];

/**
 * A pipe from a paused source (chunks are handed to `handle` by the test, as `onread` would) to a
 * target whose peer collects what it is written. `plans` answers each chunk in turn, as the fault
 * planner would: steps, or null to forward the chunk as it is.
 */
async function pipeWith(plans: ((now: number, chunk: Buffer) => Step[] | null)[], extra: Partial<PipeHooks> = {}) {
  const [source, sourcePeer] = await socketPair();
  const [target, targetPeer] = await socketPair();
  opened.push(source, sourcePeer, target, targetPeer);
  source.pause();
  const received = collect(targetPeer);
  const cuts: boolean[] = [];
  let next = 0;
  const hooks: PipeHooks = {
    chunk: (chunk) => plans[next++]!(performance.now(), chunk),
    cut: (reset) => cuts.push(reset),
    holds: () => false,
    gate: () => null,
    now: () => performance.now(),
    readPause: () => 0,
    ...extra,
  };
  return { pipe: new Pipe(source, target, hooks, true), source, sourcePeer, target, received, cuts, targetPeer };
}

const write = (data: string, at: number, heldBy: string | null = null): Step => ({ kind: 'write', data: Buffer.from(data, 'latin1'), at, heldBy });

afterEach(() => {
  for (const socket of opened.splice(0)) socket.destroy();
});

describe('pipe', () => {
  it('forwards a chunk no fault touches behind planned writes still waiting, never before them', async () => {
    const { pipe, received } = await pipeWith([(now, chunk) => [write(chunk.toString('latin1'), now + 40)], () => null, () => null]);
    pipe.handle(Buffer.from('first;'));
    pipe.handle(Buffer.from('second;'));
    expect(pipe.drained()).toBe(false);
    await waitFor('the first two chunks', 5_000, () => received.bytes().length >= 'first;second;'.length);
    expect(received.bytes()).toBe('first;second;');
    pipe.handle(Buffer.from('third;'));
    await waitFor('the third chunk', 5_000, () => received.bytes().endsWith('third;'));
    expect(received.bytes()).toBe('first;second;third;');
    expect(pipe.drained()).toBe(true);
    expect(pipe.digests()!.read).toBe(pipe.digests()!.written);
  });

  it('keeps a write a freeze holds until the freeze is lifted and the pipe kicked', async () => {
    let frozen = true;
    const { pipe, received } = await pipeWith([(now) => [write('held;', now, 'freeze-1')], () => null], { holds: (id) => id === 'freeze-1' && frozen });
    pipe.handle(Buffer.from('held;'));
    pipe.handle(Buffer.from('behind;'));
    await sleep(60);
    expect(received.bytes()).toBe('');
    pipe.kick();
    await sleep(20);
    expect(received.bytes()).toBe('');
    frozen = false;
    pipe.kick();
    await waitFor('the held bytes', 5_000, () => received.bytes() === 'held;behind;');
  });

  it('stops reading while planned writes pass the cap, and reads again once they have gone', async () => {
    const big = 'x'.repeat(300 * 1024);
    const { pipe, source, received } = await pipeWith([(now) => [write(big, now + 50)]]);
    source.resume();
    expect(pipe.handle(Buffer.from(big))).toBe(false);
    expect(source.isPaused()).toBe(true);
    await waitFor('the planned write', 5_000, () => received.bytes().length === big.length);
    await waitFor('reading again', 5_000, () => !source.isPaused());
  });

  it('stops reading while the target cannot take more, and reads again once it drained', async () => {
    const chunk = Buffer.alloc(1024 * 1024, 0x61);
    const { pipe, source, received, targetPeer } = await pipeWith(Array.from({ length: 64 }, () => () => null));
    targetPeer.pause();
    source.resume();
    let handed = 0;
    while (handed < 64 && pipe.handle(chunk)) handed++;
    expect(handed).toBeLessThan(64);
    expect(source.isPaused()).toBe(true);
    targetPeer.resume();
    await waitFor('reading again', 5_000, () => !source.isPaused());
    await waitFor('every byte written', 5_000, () => received.bytes().length === (handed + 1) * chunk.length);
  });

  it('counts as forwarded what it handed on, less what the target still buffered when destroyed', async () => {
    // Larger than what loopback socket buffers take in, with the peer not reading.
    const chunk = Buffer.alloc(32 * 1024 * 1024, 0x62);
    const { pipe, source, target, targetPeer } = await pipeWith([() => null, () => [write('held', performance.now() + 60_000)], () => null]);
    targetPeer.pause();
    source.resume();
    pipe.handle(chunk);
    // A planned write not yet due is not forwarded; the next chunk queues behind it.
    pipe.handle(Buffer.from('queued'));
    expect(pipe.written).toBe(chunk.length);
    await waitFor('the kernel buffers to fill', 5_000, () => target.writableLength > 0);
    const unsent = target.writableLength;
    pipe.stop();
    pipe.dropUnsent();
    target.destroy();
    expect(pipe.written).toBe(chunk.length - unsent);
    pipe.dropUnsent();
    expect(pipe.written).toBe(chunk.length - unsent);
  });

  it('ends the target only once every planned write has been written', async () => {
    const { pipe, received } = await pipeWith([(now) => [write('late;', now + 40)]]);
    pipe.handle(Buffer.from('late;'));
    let done = false;
    pipe.finish(() => (done = true));
    expect(done).toBe(false);
    await received.ended;
    expect(received.bytes()).toBe('late;');
    expect(done).toBe(true);
  });

  it('cuts when a planned cut comes due, after the writes before it and none after', async () => {
    const { pipe, received, cuts } = await pipeWith([
      (now) => [write('before;', now), { kind: 'cut', reset: true, at: now + 30, heldBy: null }, write('after;', now + 30)],
    ]);
    pipe.handle(Buffer.from('before;after;'));
    expect(cuts).toEqual([]);
    await waitFor('the cut', 5_000, () => cuts.length > 0);
    pipe.stop();
    await sleep(20);
    expect(cuts).toEqual([true]);
    expect(received.bytes()).toBe('before;');
  });

  it('leaves the source unread for the pause the hooks ask for after a chunk: what arrives meanwhile comes in one read', async () => {
    const seen: string[] = [];
    let handle: (chunk: Buffer) => boolean = () => true;
    const [source, sourcePeer] = await socketPair((chunk) => handle(chunk));
    const [target, targetPeer] = await socketPair();
    opened.push(source, sourcePeer, target, targetPeer);
    const received = collect(targetPeer);
    const pipe = new Pipe(source, target, {
      chunk: (chunk) => (seen.push(chunk.toString('latin1')), null),
      cut: () => undefined,
      holds: () => false,
      gate: () => null,
      now: () => performance.now(),
      readPause: (bytes) => (bytes === 'first chunk;'.length ? 150 : 0),
    }, false);
    handle = pipe.handle;
    sourcePeer.write('first chunk;');
    await waitFor('the first chunk', 5_000, () => seen.length === 1);
    expect(source.isPaused()).toBe(true);
    for (const part of ['a;', 'b;', 'c;']) {
      sourcePeer.write(part);
      await sleep(10);
    }
    expect(seen).toEqual(['first chunk;']);
    await waitFor('the rest', 5_000, () => received.bytes() === 'first chunk;a;b;c;');
    expect(seen).toEqual(['first chunk;', 'a;b;c;']);
    expect(source.isPaused()).toBe(false);
    // A chunk the hooks want no pause after leaves the source read at once.
    sourcePeer.write('last;');
    await waitFor('the last chunk', 5_000, () => received.bytes().endsWith('last;'));
    expect(source.isPaused()).toBe(false);
    expect(seen).toEqual(['first chunk;', 'a;b;c;', 'last;']);
  });

  it('a pause to gather outlasts a drain of the target that comes meanwhile, and a stop ends it without reading again', async () => {
    // The target's kernel buffers are filled first, so the planned write due during the pause waits for a drain.
    const fill = Buffer.alloc(16 * 1024 * 1024, 0x63);
    const { pipe, source, target, received, targetPeer } = await pipeWith([(now) => [write('x', now + 20)], () => null], { readPause: () => 2_000 });
    targetPeer.pause();
    target.write(fill);
    source.resume();
    expect(pipe.handle(Buffer.from('x'))).toBe(false);
    expect(source.isPaused()).toBe(true);
    await sleep(100);
    expect(pipe.drained()).toBe(true);
    expect(target.writableLength).toBeGreaterThan(0);
    targetPeer.resume();
    await waitFor('the target to drain', 5_000, () => received.bytes().length === fill.length + 1);
    await sleep(50);
    expect(source.isPaused()).toBe(true);
    await waitFor('the pause to end', 5_000, () => !source.isPaused());
    expect(pipe.handle(Buffer.from('y'))).toBe(false);
    pipe.stop();
    await sleep(2_300);
    expect(source.isPaused()).toBe(true);
  });
});
