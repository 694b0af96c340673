import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { readRecording } from '../../src/replay/recording.js';
import { Replay } from '../../src/replay/replay.js';
import { freePort } from '../../src/servers/redis-server.js';
import { recordGoldenSession } from '../../src/servers/golden-session.js';
import { waitFor } from '../../src/servers/wait.js';
import { readTraceRecords } from '../../src/trace/reader.js';
import { TraceWriter } from '../../src/trace/writer.js';
import { collect, runCli, spawnCli } from '../support/cli.js';
import { startServer, useClusters } from '../support/cluster.js';

useClusters();
const dir = mkdtempSync(join(tmpdir(), 'repltap-golden-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const GOLDEN = join(import.meta.dirname, '..', '..', 'fixtures', 'golden');
interface GoldenMeta {
  name: string;
  config: Record<string, string>;
  digest: string;
  offset: number;
  commands: number;
}
const goldens = ['diskless', 'disk-based'].map((name) => JSON.parse(readFileSync(join(GOLDEN, `${name}.json`), 'utf8')) as GoldenMeta);

describe('golden traces (fixtures/golden, from npm run fixtures:golden)', () => {
  it.each(goldens)('$name: replayed into a fresh redis-server replica, it ends with the digest the master had', async (golden) => {
    const recording = readRecording(join(GOLDEN, `${golden.name}.rtrace`));
    expect(recording).toMatchObject({ endOffset: golden.offset, commands: golden.commands });
    const replay = await Replay.start(recording, { speed: 'max' });
    try {
      const replica = await startServer({ name: `golden-${golden.name}` });
      await replica.client.call('REPLICAOF', replay.address.host, replay.address.port);
      await waitFor('the replica to apply the recording', 30_000, async () => Number((await replica.info()).master_repl_offset) === golden.offset);
      expect(await replica.digest()).toBe(golden.digest);
    } finally {
      await replay.close();
    }
  });

  it('a fresh capture of the same session diffs as equal; one changed value or one extra command is a difference naming the key', async () => {
    const golden = join(GOLDEN, 'diskless.rtrace');
    const fresh = join(dir, 'fresh.rtrace');
    const session = await recordGoldenSession({ trace: fresh, config: goldens[0]!.config });
    expect(session.digest).toBe(goldens[0]!.digest);
    const same = await runCli(['diff', golden, fresh]);
    expect(same).toMatchObject({ code: 0, stdout: 'equal\n' });

    const changed = join(dir, 'changed.rtrace');
    await recordGoldenSession({ trace: changed, config: goldens[0]!.config, variant: 'changed-value' });
    const valueDiff = await runCli(['diff', golden, changed]);
    expect(valueDiff.code).toBe(1);
    expect(valueDiff.stdout).toMatch(/^-db\d+ set golden:last original$/m);
    expect(valueDiff.stdout).toMatch(/^\+db\d+ set golden:last changed$/m);

    const extra = join(dir, 'extra.rtrace');
    await recordGoldenSession({ trace: extra, config: goldens[0]!.config, variant: 'extra-command' });
    const extraDiff = await runCli(['diff', golden, extra, '--json']);
    expect(extraDiff.code).toBe(1);
    const json = JSON.parse(extraDiff.stdout) as { equal: boolean; sections: { section: string; changes: { op: string; text: string; index: number }[] }[] };
    expect(json.equal).toBe(false);
    expect(json.sections).toEqual([{ section: 'stream', changes: [{ op: '+', text: expect.stringMatching(/set golden:extra "one more"$/) as string, index: goldens[0]!.commands + 1 }] }]);
  });

  it('replay as a process: refuses a trace recorded below full, naming the level needed', async () => {
    const meta = join(dir, 'meta.rtrace');
    // The golden session's events without its raw bytes, as --record meta would have kept them.
    const { header, records } = readTraceRecords(join(GOLDEN, 'diskless.rtrace'));
    const writer = new TraceWriter(meta, { ...header, record: 'meta' });
    for (const record of records) if (record.type !== 'raw' && record.type !== 'rdb-key') writer.append(record);
    writer.close();
    const { code, stderr } = await runCli(['replay', meta, '--listen', `127.0.0.1:${await freePort()}`]);
    expect(code).toBe(2);
    expect(stderr).toMatch(/was recorded at --record meta: replay needs --record full/);
  });

  it('replay as a process serves a real replica until SIGTERM', async () => {
    const port = await freePort();
    const child = spawnCli(['replay', join(GOLDEN, 'disk-based.rtrace'), '--listen', `127.0.0.1:${port}`, '--speed', 'max']);
    const done = collect(child);
    const replica = await startServer({ name: 'golden-process' });
    await replica.client.call('REPLICAOF', '127.0.0.1', port);
    await waitFor('the replica to apply the recording', 30_000, async () => Number((await replica.info()).master_repl_offset) === goldens[1]!.offset);
    expect(await replica.digest()).toBe(goldens[1]!.digest);
    child.kill('SIGTERM');
    const { code, stderr } = await done;
    expect(code).toBe(0);
    expect(stderr).toContain(`${goldens[1]!.commands} commands to offset ${goldens[1]!.offset}`);
  });
});
