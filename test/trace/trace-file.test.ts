import { mkdtempSync, readFileSync, rmSync, truncateSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import type { CommandBatchEvent, LinkEvent } from '../../src/link/events.js';
import { TraceFormatError, TraceWriteError } from '../../src/trace/errors.js';
import { TRACE_FORMAT_VERSION, TRACE_MAGIC } from '../../src/trace/format.js';
import { LinkDecoder } from '../../src/link/link-decoder.js';
import { encodeCommand } from '../../src/resp/encode.js';
import { decodeChunks, m2r, r2m, type Chunk } from '../support/decode.js';
import { cutTrace } from '../../src/trace/cut.js';
import { openTrace, readTraceRecords } from '../../src/trace/reader.js';
import { TraceWriter } from '../../src/trace/writer.js';
import { traceHeader } from '../support/trace-header.js';

const dir = mkdtempSync(join(tmpdir(), 'repltap-trace-test-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

const header = traceHeader({ toolVersion: '0.0.0-test', startedAt: 1_700_000_000_000 });

function commands(n: number): LinkEvent[] {
  return Array.from({ length: n }, (_, i) => ({
    type: 'command',
    t: 1_700_000_000_000 + i,
    link: 1 + (i % 3),
    offset: 1000 + i * 40,
    size: 40,
    name: 'set',
    argc: 3,
    args: [Buffer.from(`key:${i}`), Buffer.from([0, 255, i & 255])],
    db: i % 16,
  }));
}

function write(name: string, events: LinkEvent[], raw = 0): string {
  const path = join(dir, name);
  const writer = new TraceWriter(path, header);
  for (const e of events) writer.append(e);
  for (let i = 0; i < raw; i++) writer.append({ type: 'raw', t: 0, link: 1, dir: 'm2r', pos: i * 200_000, data: Buffer.alloc(200_000, i) });
  writer.close();
  return path;
}

describe('trace files', () => {
  it('read back exactly what was written, binary arguments included, across many blocks', () => {
    const events = commands(20_000);
    const path = write('roundtrip.rtrace', events, 2);
    const { header: h, records, warnings } = readTraceRecords(path);
    expect(h).toEqual(header);
    expect(warnings).toEqual([]);
    expect(records.slice(0, events.length)).toEqual(events);
    const raws = records.slice(events.length);
    expect(raws.map((r) => (r.type === 'raw' ? [r.pos, r.data.length, r.data[0]] : null))).toEqual([
      [0, 200_000, 0],
      [200_000, 200_000, 1],
    ]);
  });

  it('read up to the last complete record when cut off anywhere in the last block', () => {
    const path = write('cut-source.rtrace', commands(50));
    const full = readFileSync(path);
    const all = readTraceRecords(path).records;
    const cutPath = join(dir, 'cut.rtrace');
    // The header block ends where the second block starts; cut at every byte after it.
    const headerEnd = TRACE_MAGIC.length + 8 + full.readUInt32LE(TRACE_MAGIC.length);
    let previous = -1;
    for (let size = headerEnd; size < full.length; size++) {
      writeFileSync(cutPath, full.subarray(0, size));
      const { records, warnings } = readTraceRecords(cutPath);
      expect(records).toEqual(all.slice(0, records.length));
      expect(records.length).toBeGreaterThanOrEqual(previous);
      previous = records.length;
      if (size > headerEnd) expect(warnings.join()).toContain('cut off');
    }
    expect(previous).toBe(all.length - 1);
  });

  it('name the block and the byte when a block is corrupt', () => {
    const path = write('corrupt.rtrace', commands(3000));
    const bytes = readFileSync(path);
    const at = bytes.length - 100;
    bytes[at] = bytes[at]! ^ 0xff;
    writeFileSync(path, bytes);
    const trace = openTrace(path);
    let read = 0;
    expect(() => {
      for (const _ of trace.records()) read++;
    }).toThrow(/at byte \d+: block checksum mismatch/);
    expect(read).toBeGreaterThan(0);
    trace.close();
  });

  it.each([
    ['a value that is not a record', 42, 'is a value that is not a record (number)'],
    ['a record without a type', { t: 1, link: 1 }, 'is a record without a string `type`'],
    ['a known record without its link', { type: 'ack', t: 1, offset: 5, pos: 9 }, 'is a record of type ack without a numeric `t` and `link`'],
    ['a link-close without its byte counts', { type: 'link-close', t: 2, link: 1, reason: 'x', phase: 'stream' }, 'is a record of type link-close whose `bytes` is not a map {m2r, r2m} of numbers'],
    ['a link-close whose forwarded counts are not counts', { type: 'link-close', t: 2, link: 1, reason: 'x', phase: 'stream', bytes: { m2r: 1, r2m: 1 }, forwarded: 'all' }, 'is a record of type link-close whose `forwarded` is not a map {m2r, r2m} of numbers, or absent'],
    ['a fullresync whose replid is a number', { type: 'fullresync', t: 2, link: 1, replid: 5, offset: 0, pos: 60 }, 'is a record of type fullresync whose `replid` is not a string'],
  ])('refuse %s, naming the block and the value', (_, bad, message) => {
    const path = join(dir, 'malformed.rtrace');
    const writer = new TraceWriter(path, header);
    writer.flush();
    writer.append(commands(1)[0]!);
    writer.append(bad as never);
    writer.close();
    const second = TRACE_MAGIC.length + 8 + readFileSync(path).readUInt32LE(TRACE_MAGIC.length);
    expect(() => readTraceRecords(path)).toThrow(`at byte ${second}: value 2 of the block that starts here ${message}: the file is corrupt`);
  });

  it('pass over record types and keys they do not know (later versions add them)', () => {
    const path = join(dir, 'newer.rtrace');
    const writer = new TraceWriter(path, header);
    const known = commands(1)[0]!;
    writer.append({ type: 'from-the-future', t: 1, link: 1, what: [1, 2] } as never);
    writer.append({ ...known, extra: 'kept' } as never);
    writer.close();
    expect(readTraceRecords(path).records.map((r) => r.type)).toEqual(['from-the-future', 'command']);
  });

  it('refuse a block length that would drive a huge allocation', () => {
    const path = write('huge.rtrace', commands(10));
    const bytes = readFileSync(path);
    const second = TRACE_MAGIC.length + 8 + bytes.readUInt32LE(TRACE_MAGIC.length);
    bytes.writeUInt32LE(0xfffffff0, second);
    writeFileSync(path, bytes);
    expect(() => readTraceRecords(path)).toThrow(`at byte ${second}: block length 4294967280 is out of range`);
  });

  it.each([
    ['an empty file', Buffer.alloc(0), 'empty file'],
    ['another format', Buffer.from('{"json": true}\n'), 'not a repltap trace'],
    ['a newer format version', Buffer.from([...TRACE_MAGIC.subarray(0, 7), 9]), `trace format version 9; this repltap reads versions 1 to ${TRACE_FORMAT_VERSION}`],
    ['a bare magic', TRACE_MAGIC, 'header block is missing'],
  ])('refuse %s with a precise message', (name, bytes, message) => {
    const path = join(dir, `${name}.rtrace`);
    writeFileSync(path, bytes);
    expect(() => openTrace(path)).toThrow(TraceFormatError);
    expect(() => openTrace(path)).toThrow(message);
  });

  it('refuse to start a trace that cannot be written, saying which file and why', () => {
    expect(() => new TraceWriter('/dev/full', header)).toThrow(new TraceWriteError('/dev/full', 0, Object.assign(new Error('x'), { code: 'ENOSPC' })));
    expect(() => new TraceWriter('/dev/full', header)).toThrow('cannot write the trace /dev/full: no space left on the device (ENOSPC)');
    expect(() => new TraceWriter(join(dir, 'missing', 'x.rtrace'), header)).toThrow(/: its directory does not exist \(ENOENT\)$/);
  });

  it('say so when the file does not exist, or is a directory', () => {
    expect(() => openTrace(join(dir, 'missing.rtrace'))).toThrow('no such file');
    expect(() => openTrace(dir)).toThrow(new TraceFormatError(dir, 0, 'is a directory, not a trace file'));
  });

  it('keep records written before a truncation to zero blocks', () => {
    const path = write('header-only.rtrace', []);
    truncateSync(path, readFileSync(path).length);
    expect(readTraceRecords(path).records).toEqual([]);
  });
});

describe('hand-written records', () => {
  it('command-batch records are stored as written: widths of every integer, keep-alive kinds, names of any bytes', () => {
    const path = join(dir, 'command-batch-stored.rtrace');
    const writer = new TraceWriter(path, { ...header, record: 'meta' });
    const count = 40;
    const batch: CommandBatchEvent = {
      type: 'command-batch', t: 1_795_000_000_000.25, link: 70_000, pos: 2 ** 40, offset: 2 ** 33 + 5, db: null, tx: true, count,
      names: ['set', 'x\u00e9\u00ff', 'n'.repeat(40)],
      kinds: Array.from({ length: count }, (_, i) => (i % 4) - 1),
      sizes: Array.from({ length: count }, (_, i) => [1, 127, 128, 255, 256, 65_535, 65_536, 2 ** 32 + 1][i % 8]!),
      argcs: Array.from({ length: count }, (_, i) => (i % 4 === 0 ? 0 : [1, 300, 70_000][i % 3]!)),
    };
    writer.append(batch);
    writer.append({ ...batch, db: 3, tx: false, count: 1, names: ['ping'], kinds: [0], sizes: [14], argcs: [1] });
    writer.close();
    expect([...openTrace(path).storedRecords()]).toEqual([batch, { ...batch, db: 3, tx: false, count: 1, names: ['ping'], kinds: [0], sizes: [14], argcs: [1] }]);
  });

  it('rdb-key records read back as written, keys binary-safe, nulls kept', () => {
    const path = join(dir, 'rdb-keys.rtrace');
    const writer = new TraceWriter(path, header);
    const events: LinkEvent[] = [
      { type: 'rdb-key', t: 1.5, link: 2, db: 0, key: Buffer.from([0, 255, 65]), valueType: 'string', encoding: 'string', expiry: null, length: 1 },
      { type: 'rdb-key', t: 1_795_000_000_000.25, link: 70_000, db: 15, key: Buffer.alloc(300, 7), valueType: 'hash', encoding: 'listpack', expiry: 4_102_444_800_000, length: null },
    ];
    for (const e of events) writer.append(e);
    writer.close();
    expect(readTraceRecords(path).records).toEqual(events);
  });

  it('command runs read back as the events of their frames; a run that lies about its frames is a precise error', () => {
    const chunks: Chunk[] = [
      r2m(encodeCommand(['PSYNC', 'a'.repeat(40), '1001'])),
      m2r(`+CONTINUE ${'a'.repeat(40)}\r\n`),
      m2r(Buffer.concat([encodeCommand(['SELECT', '1']), encodeCommand(['SET', 'k', Buffer.from([0, 255])]), encodeCommand(['PING']), encodeCommand(['SET', 'big', 'x'.repeat(300)])])),
      m2r(Buffer.concat([encodeCommand(['MULTI']), encodeCommand(['INCR', 'n']), encodeCommand(['EXEC'])])),
    ];
    const decoder = new LinkDecoder({ link: 1, args: true, rdb: 'none', recordSecrets: false });
    const recorded = chunks.flatMap((c) => decoder.feedRuns(c.dir, c.data, 1_700_000_000_000));
    expect(recorded.filter((e) => e.type === 'command-run').length).toBe(2);
    const path = join(dir, 'runs.rtrace');
    const writer = new TraceWriter(path, header);
    for (const e of recorded) writer.append(e);
    writer.close();
    // Arguments read from a record are Buffers, those of an expanded run views: compare the bytes.
    const bytesOf = (e: object): object => ('args' in e && Array.isArray(e.args) ? { ...e, args: e.args.map((a: Uint8Array) => Buffer.from(a)) } : e);
    const expected = decodeChunks(chunks).map((e) => bytesOf({ ...e, t: 1_700_000_000_000 }));
    expect(readTraceRecords(path).records.map(bytesOf)).toEqual(expected);

    // A cut keeps runs as they are stored, and reads back to the same events.
    const cut = join(dir, 'runs-cut.rtrace');
    expect(cutTrace(path, cut, { link: 1 })).toMatchObject({ kept: recorded.length });
    expect([...openTrace(cut).storedRecords()].filter((r) => r.type === 'command-run').length).toBe(2);
    expect(readTraceRecords(cut).records.map(bytesOf)).toEqual(expected);

    const lying = join(dir, 'lying-run.rtrace');
    const liar = new TraceWriter(lying, header);
    liar.append({ type: 'command-run', t: 0, link: 2, pos: 60, offset: 160, db: 0, tx: false, count: 3, data: encodeCommand(['SET', 'a', '1']) });
    liar.close();
    expect(() => readTraceRecords(lying)).toThrow(TraceFormatError);
    expect(() => readTraceRecords(lying)).toThrow(/byte \d+: command run of link 2 ending at offset 160: its data holds 1 frame, it announces 3: the file is corrupt/);
  });

  it('command batches (at --record meta) read back as the events of their frames; a batch whose columns disagree is a precise error', () => {
    const chunks: Chunk[] = [
      r2m(encodeCommand(['PSYNC', 'a'.repeat(40), '1001'])),
      m2r(`+CONTINUE ${'a'.repeat(40)}\r\n`),
      m2r(Buffer.concat([encodeCommand(['SELECT', '1']), encodeCommand(['SET', 'k', Buffer.from([0, 255])]), encodeCommand(['PING']), encodeCommand(['SET', 'big', 'x'.repeat(300)])])),
      m2r(Buffer.concat([encodeCommand(['MULTI']), encodeCommand(['INCR', 'n']), Buffer.from('\n'), encodeCommand(['EXEC'])])),
    ];
    const decoder = new LinkDecoder({ link: 1, args: false, rdb: 'none', recordSecrets: false });
    const recorded = chunks.flatMap((c) => decoder.feedRuns(c.dir, c.data, 1_700_000_000_000));
    expect(recorded.filter((e) => e.type === 'command-batch').map((e) => e.type === 'command-batch' && e.count)).toEqual([3, 2]);
    const path = join(dir, 'batches.rtrace');
    const writer = new TraceWriter(path, { ...header, record: 'meta' });
    for (const e of recorded) writer.append(e);
    writer.close();
    const expected = decodeChunks(chunks, { args: false, rdb: 'none' }).map((e) => ({ ...e, t: 1_700_000_000_000 }));
    expect(readTraceRecords(path).records).toEqual(expected);

    const lying = join(dir, 'lying-batch.rtrace');
    const liar = new TraceWriter(lying, { ...header, record: 'meta' });
    liar.append({ type: 'command-batch', t: 0, link: 2, pos: 60, offset: 160, db: 0, tx: false, count: 2, names: ['set'], kinds: [0, 0], sizes: [30], argcs: [3, 3] });
    liar.close();
    expect(() => readTraceRecords(lying)).toThrow(TraceFormatError);
    expect(() => readTraceRecords(lying)).toThrow(/byte \d+: command batch of link 2 ending at offset 160: its sizes column does not hold 2 entries: the file is corrupt/);
  });

  it('at --record full, command runs refer to the raw record of their chunk instead of copying its bytes', () => {
    const stream = Buffer.concat([encodeCommand(['SELECT', '1']), encodeCommand(['SET', 'k', Buffer.from([0, 255])]), encodeCommand(['PING'])]);
    const chunks: Chunk[] = [r2m(encodeCommand(['PSYNC', 'a'.repeat(40), '1001'])), m2r(`+CONTINUE ${'a'.repeat(40)}\r\n`), m2r(stream), m2r(stream)];
    const decoder = new LinkDecoder({ link: 1, args: true, rdb: 'none', recordSecrets: false });
    const path = join(dir, 'runs-full.rtrace');
    const writer = new TraceWriter(path, header);
    const position = { m2r: 0, r2m: 0 };
    for (const { dir: direction, data } of chunks) {
      // As the tap does at full: the chunk's raw record, then what the decoder made of it.
      writer.append({ type: 'raw', t: 7, link: 1, dir: direction, pos: position[direction], data });
      position[direction] += data.length;
      for (const e of decoder.feedRuns(direction, data, 7)) writer.append(e);
    }
    // A run whose bytes no raw record holds (another link) keeps them.
    writer.append({ type: 'command-run', t: 7, link: 2, pos: 16, offset: 116, db: 0, tx: false, count: 1, data: encodeCommand(['PING']) });
    writer.close();
    const stored = [...openTrace(path).storedRecords()].filter((r) => r.type === 'command-run');
    expect(stored.map((r) => [r.link, r.data === undefined ? `length ${r.length}` : 'data'])).toEqual([
      [1, `length ${stream.length}`],
      [1, `length ${stream.length}`],
      [2, 'data'],
    ]);
    const bytesOf = (e: object): object => ('args' in e && Array.isArray(e.args) ? { ...e, args: e.args.map((a: Uint8Array) => Buffer.from(a)) } : e);
    const read = readTraceRecords(path).records.filter((r) => r.type !== 'raw');
    expect(read.filter((r) => r.link === 1).map(bytesOf)).toEqual(decodeChunks(chunks).map((e) => bytesOf({ ...e, t: 7 })));
    expect(read.filter((r) => r.link === 2)).toMatchObject([{ type: 'ping', offset: 116 }]);
    // A cut keeps a run and the raw record it refers to together (same link, same time).
    const cut = join(dir, 'runs-full-cut.rtrace');
    cutTrace(path, cut, { link: 1, from: 7, to: 7 });
    expect(readTraceRecords(cut).records.filter((r) => r.type !== 'raw').map(bytesOf)).toEqual(decodeChunks(chunks).map((e) => bytesOf({ ...e, t: 7 })));
  });

  it('a command run that refers to bytes no raw record holds is a precise error', () => {
    const path = join(dir, 'dangling-run.rtrace');
    const writer = new TraceWriter(path, header);
    writer.append({ type: 'raw', t: 0, link: 4, dir: 'm2r', pos: 0, data: encodeCommand(['PING']) });
    writer.append({ type: 'command-run', t: 0, link: 4, pos: 40, offset: 140, db: 0, tx: false, count: 1, length: 14 });
    writer.close();
    expect(() => readTraceRecords(path)).toThrow(
      /byte \d+: command run of link 4 ending at offset 140 refers to master-side positions 26 to 40, but the link's last raw record holds positions 0 to 14: the file is corrupt/,
    );
    const orphan = join(dir, 'orphan-run.rtrace');
    const alone = new TraceWriter(orphan, header);
    alone.append({ type: 'command-run', t: 0, link: 4, pos: 14, offset: 114, db: 0, tx: false, count: 1, length: 14 });
    alone.close();
    expect(() => readTraceRecords(orphan)).toThrow(/command run of link 4 ending at offset 114 refers to master-side positions 0 to 14, but the link has no master-side raw record before it/);
  });

  it('read traces of format version 1, from before command runs', () => {
    const path = write('v1.rtrace', commands(10));
    const bytes = readFileSync(path);
    expect(bytes[7]).toBe(TRACE_FORMAT_VERSION);
    bytes[7] = 1;
    writeFileSync(path, bytes);
    expect(readTraceRecords(path).records).toEqual(commands(10));
  });
});
