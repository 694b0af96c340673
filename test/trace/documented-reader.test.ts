import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { RecordLevel } from '../../src/link/events.js';
import { LinkDecoder } from '../../src/link/link-decoder.js';
import { readTraceRecords } from '../../src/trace/reader.js';
import { TraceWriter } from '../../src/trace/writer.js';
import { sleep } from '../../src/servers/wait.js';
import { seedDataset, writeMixedWorkload } from '../../src/servers/workload.js';
import { caughtUp, replicate, startCluster, useClusters } from '../support/cluster.js';
import { bytewise, linkOfEveryFrameKind } from '../support/decode.js';
import { traceHeader } from '../support/trace-header.js';

useClusters();

const dir = mkdtempSync(join(tmpdir(), 'repltap-documented-reader-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

/**
 * docs/trace-format.md promises that it is enough to write a reader in any language, and shows one
 * in Python. That very code, taken out of the page, reads traces of real links here, and must give
 * what repltap's own reader gives, record for record: so the page cannot drift from the format.
 */
const DOCUMENTED_READER = /```python\n([\s\S]*?)```/.exec(readFileSync(join(import.meta.dirname, '../../docs/trace-format.md'), 'utf8'))![1]!;

/** Prints the records as JSON lines, byte strings as {hex}. */
const PRINT_RECORDS = `
import json, sys

def plain(value):
    if isinstance(value, (bytes, bytearray)):
        return {"hex": value.hex()}
    if isinstance(value, dict):
        return {key: plain(item) for key, item in value.items()}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return value

for record in read_trace(sys.argv[1]):
    print(json.dumps(plain(record)))
`;

/** Debian's python3-msgpack goes with Debian's python3 (scripts/setup.sh installs it). */
function pythonWithMsgpack(): string {
  for (const python of ['/usr/bin/python3', 'python3']) {
    if (spawnSync(python, ['-c', 'import msgpack'], { stdio: 'ignore' }).status === 0) return python;
  }
  throw new Error('no python3 can import msgpack: install python3-msgpack (bash scripts/setup.sh does)');
}

function readWithDocumentedReader(trace: string): unknown[] {
  const script = join(dir, 'documented_reader.py');
  writeFileSync(script, `${DOCUMENTED_READER}\n${PRINT_RECORDS}`);
  const out = execFileSync(pythonWithMsgpack(), [script, trace], { encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  return out.trimEnd().split('\n').map((line) => JSON.parse(line) as unknown);
}

/** A record as JSON would carry it: bytes as {hex}, undefined fields dropped. */
function plain(value: unknown): unknown {
  if (value instanceof Uint8Array) return { hex: Buffer.from(value.buffer, value.byteOffset, value.byteLength).toString('hex') };
  if (Array.isArray(value)) return value.map(plain);
  if (value !== null && typeof value === 'object') {
    return Object.fromEntries(Object.entries(value).filter(([, item]) => item !== undefined).map(([key, item]) => [key, plain(item)]));
  }
  return value;
}

/**
 * A tap recording at `record`: a full sync of a dataset with every type and expiries, thousands of
 * mixed writes (several dbs, MULTI/EXEC, arguments longer than the kept 64 bytes), the master's
 * PINGs, then a cut and a partial resync on a second link.
 */
async function recordLink(record: RecordLevel): Promise<string> {
  const trace = join(dir, `${record}.rtrace`);
  const c = await startCluster({ 'repl-diskless-sync': 'yes', 'repl-ping-replica-period': 1 }, { trace, record, maxArgBytes: 64 });
  await seedDataset(c.master.client, 30);
  await replicate(c);
  await writeMixedWorkload(c.master.client, { commands: 1500, dbs: 4, seed: 5 });
  await c.master.client.call('SET', 'long', 'x'.repeat(300));
  await sleep(1_200);
  await caughtUp(c);
  await c.replica.client.call('CLIENT', 'KILL', 'TYPE', 'master');
  await writeMixedWorkload(c.master.client, { commands: 500, dbs: 4, seed: 6 });
  await caughtUp(c);
  await c.tap.close();
  return trace;
}

describe("docs/trace-format.md's Python reader, run on traces of a real redis-server link", () => {
  it.each<RecordLevel>(['meta', 'commands', 'full'])('at --record %s reads every record as repltap does', async (record) => {
    const trace = await recordLink(record);
    const [header, ...documented] = readWithDocumentedReader(trace);
    const ours = readTraceRecords(trace);
    expect(header).toEqual(plain(ours.header));
    expect(documented.length).toBe(ours.records.length);
    expect(documented).toEqual(ours.records.map(plain));
    // The traces hold what each level stores in batches, runs or by reference, so all of the page's expansions ran.
    const types = new Set(ours.records.map((r) => r.type));
    for (const type of ['fullresync', 'continue', 'rdb-key', 'command', 'ping', 'ack']) {
      if (type !== 'rdb-key' || record !== 'meta') expect(types, type).toContain(type);
    }
    const stored = storedTypes(trace);
    const expected = { meta: ['command-batch'], commands: ['command-run', 'rdb-keys'], full: ['command-run', 'raw'] }[record];
    for (const type of expected) expect(stored, type).toContain(type);
    // Cut off as by kill -9: inside the second block's header, and at three places inside payloads.
    const bytes = readFileSync(trace);
    const secondBlock = 8 + 8 + bytes.readUInt32LE(8);
    for (const at of [secondBlock + 3, ...[0.3, 0.6, 0.9].map((f) => Math.floor(bytes.length * f))]) {
      const cut = join(dir, `${record}-cut-${at}.rtrace`);
      writeFileSync(cut, bytes.subarray(0, at));
      const read = readTraceRecords(cut);
      expect(read.records.length).toBeLessThan(ours.records.length);
      expect(readWithDocumentedReader(cut).slice(1), `cut at ${at}`).toEqual(read.records.map(plain));
    }
  });

  // A real master sends keep-alives only before its RDB, so runs and batches holding one are made by hand.
  it.each<RecordLevel>(['meta', 'commands'])('at --record %s reads a hand-made stream with every kind of frame, keep-alives inside runs and batches', (record) => {
    const trace = join(dir, `every-frame-${record}.rtrace`);
    const scanner = { maxArgBytes: 64, maxArgs: 4 };
    const writer = new TraceWriter(trace, traceHeader({ record, ...scanner }));
    const chunks = linkOfEveryFrameKind('b3bb99b5899e4202b09258ebe17e7cb109f25a1a');
    // As read in whole frames on link 1, byte by byte on link 2.
    for (const [link, split] of [[1, chunks], [2, bytewise(chunks)]] as const) {
      const decoder = new LinkDecoder({ link, args: record !== 'meta', rdb: 'none', recordSecrets: false, scanner });
      for (const chunk of split) for (const event of decoder.feedRuns(chunk.dir, chunk.data, 1_700_000_000_000)) writer.append(event);
    }
    writer.close();
    const [, ...documented] = readWithDocumentedReader(trace);
    const ours = readTraceRecords(trace).records;
    expect(documented).toEqual(ours.map(plain));
    expect(ours.filter((r) => r.type === 'keepalive').length).toBeGreaterThanOrEqual(4);
    expect(storedTypes(trace)).toContain(record === 'meta' ? 'command-batch' : 'command-run');
  });
});

/** The record types as the file stores them (runs and batches not expanded). */
function storedTypes(trace: string): Set<string> {
  const script = join(dir, 'stored_types.py');
  writeFileSync(
    script,
    `import msgpack, struct, sys
data = open(sys.argv[1], "rb").read()
at, types = 8, set()
while at + 8 <= len(data):
    length = struct.unpack_from("<I", data, at)[0]
    unpacker = msgpack.Unpacker(raw=False)
    unpacker.feed(data[at + 8 : at + 8 + length])
    types.update(record["type"] for record in unpacker)
    at += 8 + length
print("\\n".join(sorted(types)))
`,
  );
  return new Set(execFileSync(pythonWithMsgpack(), [script, trace], { encoding: 'utf8' }).trim().split('\n'));
}
