import { connect } from 'node:net';
import { describe, expect, it } from 'vitest';
import { FaultSpecError } from '../../src/faults/errors.js';
import { encodeCommand } from '../../src/resp/encode.js';
import { waitFor } from '../../src/servers/wait.js';
import { seedDataset } from '../../src/servers/workload.js';
import type { Fault } from '../../src/faults/spec.js';
import { caughtUp, ofType, replicate, startCluster, useClusters, type Cluster } from '../support/cluster.js';
import { summaries } from '../support/summaries.js';
import { renderTimeline } from '../../src/cli/render-timeline.js';
import { formatBytes } from '../../src/link/describe.js';

useClusters();

/**
 * A bare replica that handshakes through the tap and counts the RDB payload bytes it receives
 * until the connection closes: the receiving side of a cut.
 */
function countRdbBytes(port: number): Promise<{ announced: number; received: number }> {
  return new Promise((resolve, reject) => {
    const socket = connect({ host: '127.0.0.1', port });
    let buffered = Buffer.alloc(0);
    let announced = -1;
    let received = 0;
    // The master refuses a PSYNC sent while a reply is still pending: wait for REPLCONF's +OK first.
    socket.on('connect', () => socket.write(encodeCommand(['REPLCONF', 'capa', 'psync2'])));
    socket.on('data', (chunk) => {
      if (announced >= 0) {
        received += chunk.length;
        return;
      }
      buffered = Buffer.concat([buffered, chunk]);
      const text = buffered.toString('latin1');
      if (text === '+OK\r\n') {
        buffered = Buffer.alloc(0);
        socket.write(encodeCommand(['PSYNC', '?', '-1']));
        return;
      }
      const header = /\$(\d+)\r\n/.exec(text);
      if (header) {
        announced = Number(header[1]);
        received = buffered.length - (header.index + header[0].length);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve({ announced, received }));
  });
}

describe('fault triggers on a real link', () => {
  it('a disconnect at afterBytes N in the RDB forwards exactly N RDB bytes', async () => {
    const c = await startCluster({ 'repl-diskless-sync': 'no' });
    await seedDataset(c.master.client, 400);
    const fault = c.tap.addFault({ action: 'disconnect', when: { phase: 'rdb', afterBytes: 12_345 } });
    const { announced, received } = await countRdbBytes(c.tap.address.port);
    expect(announced).toBeGreaterThan(12_345);
    expect(received).toBe(12_345);
    const acted = ofType(c.events, 'fault');
    expect(acted).toHaveLength(1);
    expect(acted[0]).toMatchObject({ id: fault.id, action: 'disconnect', phase: 'rdb' });
    const begin = ofType(c.events, 'rdb-begin')[0]!;
    expect(acted[0]!.pos - begin.pos).toBe(12_345);
  });

  it('a disconnect with reset: true cuts with a TCP reset, a plain one with a FIN (as the replica saw them)', async () => {
    // Node clients may see a reset that arrives after data as a plain end; redis-server reports it as it is.
    for (const reset of [true, false]) {
      const c = await startCluster({ 'repl-diskless-sync': 'no' });
      await seedDataset(c.master.client, 50);
      c.tap.addFault({ action: 'disconnect', when: { phase: 'rdb', afterBytes: 100 }, params: { reset } });
      await replicate(c);
      const lines = c.replica.log().split('\n').filter((l) => l.includes('I/O error trying to sync with MASTER'));
      expect(lines[0]).toContain(reset ? 'Connection reset by peer' : 'connection lost');
      expect(ofType(c.events, 'fault')[0]!.detail).toBe(`disconnected the link${reset ? ' with a reset' : ''} after 100 bytes of rdb`);
    }
  });

  it('a disconnect at afterPercent 50 cuts at half the announced length, and the next sync completes', async () => {
    const c = await startCluster({ 'repl-diskless-sync': 'no' });
    await seedDataset(c.master.client, 300);
    c.tap.addFault({ action: 'disconnect', when: { phase: 'rdb', afterPercent: 50 } });
    await replicate(c);
    await caughtUp(c);
    const begins = ofType(c.events, 'rdb-begin');
    const fault = ofType(c.events, 'fault')[0]!;
    expect(fault.pos - begins[0]!.pos).toBe(Math.floor(begins[0]!.length! / 2));
    expect(ofType(c.events, 'rdb-end').length).toBe(1);
    expect(await c.replica.digest()).toBe(await c.master.digest());
  });

  it('refuses a bad spec with the field named, and keeps forwarding', async () => {
    const c = await startCluster();
    expect(() => c.tap.addFault({ action: 'explode' })).toThrow(/fault action: expected one of delay/);
    expect(() => c.tap.addFault({ action: 'delay', params: { ms: -5 } })).toThrow(/fault params\.ms: must be 0 or more, got -5/);
    expect(() => c.tap.addFault({ action: 'delay', params: { ms: 5 }, when: { after: 1 } })).toThrow(FaultSpecError);
    expect(c.tap.faults()).toEqual([]);
    await replicate(c);
    await c.master.client.call('SET', 'k', 'v');
    await caughtUp(c);
  });

  /**
   * A replica in sync through the tap, then a freeze of the stream holding 50 RPUSHes to `key`, all
   * of which reached the tap: the fault and the master's offset after them.
   */
  async function frozenStream(key: string): Promise<{ c: Cluster; fault: Fault; offset: number }> {
    const c = await startCluster();
    await replicate(c);
    // After a diskless sync the master sends nothing until the replica's first ACK: wait for it,
    // or the freeze has no bytes to hold (and the replica nothing to receive) for a while.
    await caughtUp(c);
    const fault = c.tap.addFault({ action: 'freeze', direction: 'm2r' });
    for (let i = 0; i < 50; i++) await c.master.client.call('RPUSH', key, String(i));
    // Everything the master propagated has reached the tap (and was decoded there), not a fixed
    // wait: on a loaded machine the stream can take longer than any guess.
    const offset = Number((await c.master.info()).master_repl_offset);
    await waitFor('the stream to reach the tap', 10_000, () => c.tap.links()[0]?.masterOffset === offset);
    return { c, fault, offset };
  }

  it('a freeze holds the stream until removed, then everything arrives in order', async () => {
    const { c, fault, offset } = await frozenStream('list');
    // The live view says what the freeze holds: every stream byte since it began.
    const [held] = c.tap.links();
    expect(held!.bytes.m2r - held!.forwarded.m2r).toBe(offset - ofType(c.events, 'fault')[0]!.offset!);
    expect(held!.forwarded.r2m).toBe(held!.bytes.r2m);
    expect(Number((await c.replica.client.call('LLEN', 'list')) as number)).toBe(0);
    expect(c.tap.faults()).toMatchObject([{ id: fault.id, acts: 1 }]);
    expect(ofType(c.events, 'fault')).toMatchObject([{ id: fault.id, action: 'freeze', phase: 'stream' }]);
    expect(c.tap.removeFault(fault.id)).toBe(true);
    await caughtUp(c);
    expect(await c.replica.client.call('LRANGE', 'list', 0, -1)).toEqual(Array.from({ length: 50 }, (_, i) => String(i)));
  });

  it('a cut while a freeze holds stream bytes: link-close says how much was forwarded, and the replica resumes from exactly there', async () => {
    const { c, fault, offset } = await frozenStream('held');
    expect(c.tap.disconnect(1, 'cut in the test')).toBe(true);
    await waitFor('link 1 to close', 10_000, () => ofType(c.events, 'link-close').length === 1);
    const [freeze] = ofType(c.events, 'fault');
    const [close] = ofType(c.events, 'link-close');
    // What the freeze held was never forwarded: the stream from where it began.
    expect(close!.forwarded).toEqual({ m2r: freeze!.pos, r2m: close!.bytes.r2m });
    expect(close!.bytes.m2r - close!.forwarded!.m2r).toBe(offset - freeze!.offset!);
    expect(c.tap.removeFault(fault.id)).toBe(true);
    await waitFor('the replica back on link 2', 30_000, () => ofType(c.events, 'continue').length === 1);
    expect(ofType(c.events, 'psync').at(-1)).toMatchObject({ link: 2, offset: freeze!.offset! + 1 });
    await caughtUp(c);
    expect(await c.replica.digest()).toBe(await c.master.digest());
    const timeline = renderTimeline(summaries(c.events));
    expect(timeline).toContain(`never forwarded: ${formatBytes(offset - freeze!.offset!)} master → replica, 0 B replica → master (held by faults, or arrived once the other side had closed)`);
  });
});
