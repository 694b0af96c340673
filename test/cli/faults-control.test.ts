import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { startControl } from '../../src/control/server.js';
import { freePort } from '../../src/servers/redis-server.js';
import { sleep, waitFor } from '../../src/servers/wait.js';
import { readTraceRecords } from '../../src/trace/reader.js';
import type { LinkInfo } from '../../src/tap/link-info.js';
import { collect, runCli, spawnCli } from '../support/cli.js';
import { caughtUp, replicate, startCluster, startServer, useClusters } from '../support/cluster.js';

useClusters();
const dir = mkdtempSync(join(tmpdir(), 'repltap-faults-cli-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('faults from the command line', () => {
  it.each([
    [['--fault', '{"action":"delay","params":{"ms":-5}}'], 'fault params.ms: must be 0 or more, got -5'],
    [['--fault', '{"action":"delay","params":{"ms":5},"when":{"phase":"rdb","afterCommand":3}}'], 'fault when.afterCommand: unknown field'],
    [['--fault', '{"action":"shake"}'], 'fault action: expected one of delay, throttle, freeze, disconnect, drop, rewrite-psync, corrupt, slice, got string "shake"'],
    [['--fault', '{action:'], '--fault #1 is not valid JSON'],
  ])('proxy %j exits 2 naming the field', async (args, message) => {
    const { code, stderr } = await runCli(['proxy', '--master', '127.0.0.1:1', '--listen', '127.0.0.1:0', ...args]);
    expect(stderr).toContain(message);
    expect(code).toBe(2);
  });

  it('proxy refuses a non-loopback control address without a token', async () => {
    const { code, stderr } = await runCli(['proxy', '--master', '127.0.0.1:1', '--listen', '127.0.0.1:0', '--control', '0.0.0.0:0']);
    expect(code).toBe(2);
    expect(stderr).toContain('is not a loopback address');
  });

  it('--faults FILE and --control: a running proxy takes faults over HTTP and from repltap ctl, and records what they did', async () => {
    const master = await startServer({ name: 'ctl-master', config: { 'repl-diskless-sync-delay': 0 } });
    const replica = await startServer({ name: 'ctl-replica' });
    const [port, controlPort] = [await freePort(), await freePort()];
    const faultsFile = join(dir, 'faults.json');
    writeFileSync(faultsFile, JSON.stringify([{ id: 'slow', action: 'delay', params: { ms: 1 } }]));
    const trace = join(dir, 'ctl.rtrace');
    const control = `127.0.0.1:${controlPort}`;
    const child = spawnCli(['proxy', '--master', master.address, '--listen', `127.0.0.1:${port}`, '--trace', trace, '--faults', faultsFile, '--control', control, '--control-token', 'sesame']);
    const done = collect(child);
    const base = `http://${control}`;
    const auth = { authorization: 'Bearer sesame' };
    await waitFor('the control API', 20_000, async () => (await fetch(`${base}/health`, { headers: auth })).ok);
    expect((await fetch(`${base}/health`)).status).toBe(401);

    const bad = await fetch(`${base}/faults`, { method: 'POST', headers: auth, body: JSON.stringify({ action: 'throttle', params: { bytesPerSec: 'fast' } }) });
    expect(bad.status).toBe(400);
    expect(await bad.json()).toEqual({ error: 'fault params.bytesPerSec: expected a number, got string "fast"', field: 'params.bytesPerSec' });

    await replica.client.call('REPLICAOF', '127.0.0.1', port);
    await waitFor('the replica to sync through the proxy', 30_000, async () => (await replica.info()).master_link_status === 'up');
    const ctl = (...args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> => runCli(['ctl', '--control', control, '--token', 'sesame', ...args]);
    const added = await ctl('faults', 'add', '{"id":"cut","action":"disconnect","when":{"phase":"stream","afterCommands":1}}', '--json');
    expect(added.code).toBe(0);
    expect(JSON.parse(added.stdout)).toMatchObject({ id: 'cut', action: 'disconnect', times: 1 });
    const listed = await ctl('faults', 'list');
    expect(listed.stdout).toContain('slow: delay m2r {"ms":1,"jitterMs":0}');
    expect(listed.stdout).toContain('cut: disconnect m2r');
    await master.client.call('SET', 'trigger', 'cut');
    await waitFor('the replica to come back through the proxy', 30_000, async () => {
      const links = JSON.parse((await ctl('links', '--json')).stdout) as { id: number; phase: string }[];
      return links.some((l) => l.id === 2 && l.phase === 'stream');
    });
    // A replica that stops reading and ACKing for four seconds: ctl links says how far and since when it is behind.
    // Polled over HTTP, which answers in milliseconds: each `ctl` starts a Node process, and on a
    // loaded machine two of them could outlast the replica's sleep.
    const linkTwo = async (): Promise<LinkInfo | undefined> => ((await (await fetch(`${base}/links`, { headers: auth })).json()) as LinkInfo[]).find((l) => l.id === 2);
    // Behind is measured from the replica's last ACK: put to sleep before its first on this link (it
    // ACKs once a second), it would have none.
    await waitFor("the replica's first ACK on link 2", 5_000, async () => ((await linkTwo())?.ackOffset ?? null) !== null);
    const asleep = replica.client.call('DEBUG', 'SLEEP', 4);
    await sleep(100);
    await master.client.call('SET', 'unconfirmed', 'x');
    await waitFor('the write to reach the tap', 3_000, async () => ((await linkTwo())?.unconfirmedSince ?? null) !== null);
    const behind = (await ctl('links')).stdout;
    expect(behind).toMatch(/^link 2: replica 127\.0\.0\.1:\d+ → master 127\.0\.0\.1:\d+, phase stream, offset \d+, ack \d+ \([1-9]\d* B behind since \d\d:\d\d:\d\d\.\d{3} UTC, [\d.]+ m?s ago; last ACK [\d.]+ m?s ago\), \d+ B m2r, \d+ B r2m(; faults holding \d+ B m2r, \d+ B r2m)?\n$/);
    await asleep;
    // A freeze: ctl links says how many bytes it is holding.
    expect((await ctl('faults', 'add', '{"id":"hold","action":"freeze","when":{"link":2}}')).code).toBe(0);
    await master.client.call('SET', 'frozen', 'x'.repeat(100));
    const holding = await waitFor('the write to be held at the tap', 5_000, async () => /faults holding [1-9]/.exec((await ctl('links')).stdout)?.input ?? false);
    expect(holding).toMatch(/, \d+ B m2r, \d+ B r2m; faults holding [1-9]\d* B m2r, 0 B r2m\n$/);
    // How often each fault acted: the cut its one time of one, the freeze once (when it started holding).
    const acted = (await ctl('faults', 'list')).stdout;
    expect(acted).toContain('cut: disconnect m2r {"reset":false} when {"phase":"stream","afterCommands":1}, acted 1/1 times\n');
    expect(acted).toContain('hold: freeze m2r {"durationMs":null} when {"link":2}, acted 1 time\n');
    expect((await ctl('faults', 'remove', 'hold')).code).toBe(0);
    expect((await ctl('faults', 'remove', 'nope')).stderr).toContain('HTTP 404');
    expect((await ctl('faults', 'remove', 'slow')).code).toBe(0);
    expect((await ctl('reset')).stdout).toBe('removed 1 fault\n');
    expect((await ctl('health')).stdout).toMatch(/^ok: tap 127\.0\.0\.1:\d+ → master 127\.0\.0\.1:\d+, 1 link, 0 faults\n$/);
    expect((await runCli(['ctl', '--control', control, 'health'])).stderr).toContain('HTTP 401');
    child.kill('SIGTERM');
    expect((await done).code).toBe(0);
    const faults = readTraceRecords(trace).records.filter((r) => r.type === 'fault');
    expect(faults).toEqual(expect.arrayContaining([expect.objectContaining({ id: 'cut', action: 'disconnect', link: 1, phase: 'stream' }), expect.objectContaining({ id: 'slow', action: 'delay', link: 1 })]));
    const inspected = await runCli(['inspect', trace]);
    expect(inspected.stdout).toMatch(/faults {7}\+[\d.]+ m?s  fault slow \(delay\) delaying by 1 ms/);
    expect(inspected.stdout).toMatch(/fault cut \(disconnect\) disconnected the link after \d+ bytes of stream at offset \d+/);
    expect(inspected.stdout).toMatch(/why: the master still held offset \d+ in its backlog; after link 1 ended in phase stream: cut by fault cut/);
  });

  it('ctl says what to do when nothing listens', async () => {
    const { code, stderr } = await runCli(['ctl', '--control', `127.0.0.1:${await freePort()}`, 'health']);
    expect(code).toBe(2);
    expect(stderr).toMatch(/cannot reach the control API at 127\.0\.0\.1:\d+: ECONNREFUSED; is repltap proxy running with --control/);
  });
});

describe('control API in the library', () => {
  it('serves links and faults, and answers unknown routes with 404 and wrong methods with 405', async () => {
    const c = await startCluster();
    const control = await startControl(c.tap, { listen: '127.0.0.1:0' });
    try {
      await replicate(c);
      await caughtUp(c);
      const base = `http://127.0.0.1:${control.address.port}`;
      const links = (await (await fetch(`${base}/links`)).json()) as { id: number; phase: string }[];
      expect(links).toMatchObject([{ id: 1, phase: 'stream' }]);
      const created = await fetch(`${base}/faults`, { method: 'POST', body: '{"action":"drop","params":{"frames":"ack"}}' });
      expect(created.status).toBe(201);
      expect(await created.json()).toMatchObject({ id: 'f1', direction: 'r2m' });
      expect((await fetch(`${base}/nothing`)).status).toBe(404);
      expect((await fetch(`${base}/links`, { method: 'DELETE' })).status).toBe(405);
      expect((await fetch(`${base}/faults`, { method: 'POST', body: 'not json' })).status).toBe(400);
      expect((await fetch(`${base}/faults/f1`, { method: 'DELETE' })).status).toBe(204);
      expect(c.tap.faults()).toEqual([]);
    } finally {
      await control.close();
    }
  });
});

describe('repltap scenario', () => {
  it('run --json ends with one verdict object and exits 0 when it passed', async () => {
    const { code, stdout } = await runCli(['scenario', 'run', 'forced-full', '--json']);
    const verdict = JSON.parse(stdout.trim().split('\n').at(-1)!) as { scenario: string; passed: boolean; evidence: Record<string, unknown> };
    expect(verdict).toMatchObject({ scenario: 'forced-full', passed: true });
    expect(verdict.evidence).toHaveProperty('master');
    expect(code).toBe(0);
  });

  it('an unknown scenario is a usage error that lists the scenarios', async () => {
    const { code, stderr } = await runCli(['scenario', 'run', 'meltdown']);
    expect(code).toBe(2);
    expect(stderr).toContain('no scenario "meltdown"; one of: partial-resync, backlog-overflow');
  });
});
