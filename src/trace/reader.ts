import { closeSync, fstatSync, openSync, readSync, statSync, type Stats } from 'node:fs';
import { setTimeout as sleep } from 'node:timers/promises';
import { crc32 } from 'node:zlib';
import { Unpackr } from 'msgpackr';
import { CommandBatchError, expandCommandBatch } from '../link/command-batch.js';
import { CommandRunError, CommandRunExpander } from '../link/command-run.js';
import { expandRdbKeys, RdbKeysError } from '../link/rdb-key-batch.js';
import { TraceFormatError, TraceNotReadyError, TraceRewrittenError } from './errors.js';
import { msgpackValueEnd } from './msgpack-extent.js';
import { recordProblem } from './record-check.js';
import { BLOCK_HEADER_BYTES, MAX_BLOCK_BYTES, OLDEST_TRACE_FORMAT_VERSION, TRACE_FORMAT_VERSION, TRACE_MAGIC, type CommandRunByReference, type RawRecord, type StoredRecord, type TraceHeader, type TraceRecord } from './format.js';
import { counted } from '../counted.js';

const unpackr = new Unpackr({ useRecords: false, mapsAsObjects: true, int64AsType: 'number' });

/**
 * An open trace: its header, then its records, read block by block as they are iterated. Command
 * runs come out as the events they hold, so readers see one `command` record per command however
 * the trace was written.
 */
export interface TraceFile {
  readonly path: string;
  readonly header: TraceHeader;
  /** Notes about a cut-off tail (a crash or kill -9 while recording): reading stopped cleanly there. */
  readonly warnings: string[];
  records(): Generator<TraceRecord, void, undefined>;
  /**
   * The records already in the file, then those of each block the writer adds, a batch per block,
   * until `signal` aborts. A block still being written is waited for, not taken for a cut-off tail;
   * a file that a new recording replaced throws TraceRewrittenError.
   */
  follow(options: FollowOptions): AsyncGenerator<TraceRecord[], void, undefined>;
  /** The records as the file stores them, command runs and key batches not expanded: for copying a trace. */
  storedRecords(): Generator<StoredRecord, void, undefined>;
  close(): void;
}

export interface FollowOptions {
  /** How often the file is looked at for new blocks. */
  pollMs: number;
  signal: AbortSignal;
}

/** What expanding command runs takes from the records before them. */
interface Expansion {
  expander: CommandRunExpander;
  /** The last master-side raw record of each link: where command runs stored by reference take their bytes. */
  lastRaw: Map<number, RawRecord>;
}

/** Opens a trace and reads its header; throws TraceFormatError when it is not a readable trace. */
export function openTrace(path: string): TraceFile {
  const fd = openFd(path);
  try {
    return new BlockReader(path, fd);
  } catch (error) {
    closeSync(fd);
    throw error;
  }
}

/** Reads a whole trace into memory: fine for tests and small traces. */
export function readTraceRecords(path: string): { header: TraceHeader; records: TraceRecord[]; warnings: string[] } {
  const trace = openTrace(path);
  try {
    const records = [...trace.records()];
    return { header: trace.header, records, warnings: trace.warnings };
  } finally {
    trace.close();
  }
}

function openFd(path: string): number {
  try {
    return openSync(path, 'r');
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new TraceNotReadyError(path, 0, 'no such file');
    throw new TraceFormatError(path, 0, `cannot open (${code ?? String(error)})`);
  }
}

class BlockReader implements TraceFile {
  readonly header: TraceHeader;
  readonly warnings: string[] = [];
  private offset = 0;
  private size: number;
  private fd: number | null;
  /** Where the block being read starts, for errors found in its records. */
  private blockAt = 0;
  /** Records of the first block after the header. */
  private readonly firstRecords: TraceRecord[];
  /** The magic and the header block's length and CRC: another recording in the same file changes them. */
  private readonly identity: Buffer;
  /** The file opened, as the file system names it: a file moved into place at the path is another one. */
  private readonly file: Pick<Stats, 'dev' | 'ino'>;

  constructor(
    readonly path: string,
    fd: number,
  ) {
    this.fd = fd;
    const stat = fstatSync(fd);
    if (stat.isDirectory()) throw new TraceFormatError(path, 0, 'is a directory, not a trace file');
    this.size = stat.size;
    this.file = { dev: stat.dev, ino: stat.ino };
    const magic = this.read(TRACE_MAGIC.length);
    if (magic.length === 0) throw new TraceNotReadyError(path, 0, 'empty file: not a repltap trace');
    const prefix = magic.subarray(0, Math.min(magic.length, 7));
    if (!prefix.equals(TRACE_MAGIC.subarray(0, prefix.length))) {
      throw new TraceFormatError(path, 0, `not a repltap trace (it starts with ${JSON.stringify(magic.toString('latin1'))})`);
    }
    if (magic.length < TRACE_MAGIC.length) throw new TraceNotReadyError(path, magic.length, 'the file ends inside the trace magic');
    if (magic[7]! < OLDEST_TRACE_FORMAT_VERSION || magic[7]! > TRACE_FORMAT_VERSION) {
      throw new TraceFormatError(path, 7, `trace format version ${magic[7]}; this repltap reads versions ${OLDEST_TRACE_FORMAT_VERSION} to ${TRACE_FORMAT_VERSION}`);
    }
    const first = this.nextBlock();
    if (first === null || first.length === 0) throw new TraceNotReadyError(path, TRACE_MAGIC.length, 'the header block is missing or cut off');
    const header = first[0] as unknown as TraceHeader;
    if (typeof header !== 'object' || header === null || header.type !== 'header') {
      throw new TraceFormatError(path, TRACE_MAGIC.length, 'the first record is not a trace header');
    }
    this.header = header;
    this.firstRecords = first.slice(1) as TraceRecord[];
    this.identity = this.readAt(0, TRACE_MAGIC.length + BLOCK_HEADER_BYTES);
  }

  *records(): Generator<TraceRecord, void, undefined> {
    // The same steps as `follow`, written out: this loop runs for every record of a trace, and
    // sharing them through a call per record was slower in most rounds of A/B runs.
    const expansion = this.expansion();
    const lastRaw = expansion.lastRaw;
    for (const record of this.storedRecords()) {
      if (record.type !== 'command-run' && record.type !== 'command-batch' && record.type !== 'rdb-keys') {
        if (record.type === 'raw' && record.dir === 'm2r') lastRaw.set(record.link, record);
        else if (record.type === 'link-close') lastRaw.delete(record.link);
        yield record;
        continue;
      }
      try {
        // One call per stored batch (a chunk's worth of events), not per event.
        yield* this.expand(record, expansion);
      } catch (error) {
        throw this.corrupt(error);
      }
    }
  }

  async *follow({ pollMs, signal }: FollowOptions): AsyncGenerator<TraceRecord[], void, undefined> {
    const expansion = this.expansion();
    this.blockAt = TRACE_MAGIC.length;
    let block: unknown[] | null = this.firstRecords;
    for (;;) {
      if (block !== null) {
        const records: TraceRecord[] = [];
        for (const record of block as StoredRecord[]) {
          if (record.type !== 'command-run' && record.type !== 'command-batch' && record.type !== 'rdb-keys') {
            noteRaw(expansion, record);
            records.push(record);
            continue;
          }
          try {
            for (const expanded of this.expand(record, expansion)) records.push(expanded);
          } catch (error) {
            throw this.corrupt(error);
          }
        }
        if (records.length > 0) yield records;
      }
      this.blockAt = this.offset;
      // Once aborted, the blocks the file holds are read to its end, a cut-off tail reported as such.
      block = this.nextBlock(!signal.aborted);
      if (block !== null) continue;
      if (signal.aborted) return;
      await sleep(pollMs, undefined, { signal }).catch(() => undefined);
      this.grown();
    }
  }

  private expansion(): Expansion {
    const header = this.header;
    return {
      expander: new CommandRunExpander({ maxArgs: header.maxArgs, maxArgBytes: header.maxArgBytes }, header.record !== 'meta'),
      lastRaw: new Map(),
    };
  }

  /** The events a command run, command batch or key batch holds; what it says is wrong surfaces as they are read (see `corrupt`). */
  private expand(record: Exclude<StoredRecord, TraceRecord>, { expander, lastRaw }: Expansion): Iterable<TraceRecord> {
    if (record.type === 'rdb-keys') return expandRdbKeys(record);
    if (record.type === 'command-batch') return expandCommandBatch(record);
    return expander.expand(record.data === undefined ? { ...record, data: this.runBytes(record, lastRaw.get(record.link)) } : record);
  }

  /** An error from expanding a record, as what it is: a corrupt file, at the block being read. */
  private corrupt(error: unknown): unknown {
    if (!(error instanceof CommandRunError) && !(error instanceof CommandBatchError) && !(error instanceof RdbKeysError)) return error;
    return new TraceFormatError(this.path, this.blockAt, `${error.message}: the file is corrupt`);
  }

  /**
   * Takes in what was appended since the size was last read. A file that shrank, or whose header
   * block changed (a new recording that already grew past what was read), was rewritten under us;
   * another file moved to its path replaced it. (A path removed leaves the file open to be read.)
   */
  private grown(): void {
    const named = statSync(this.path, { throwIfNoEntry: false });
    if (named !== undefined && (named.dev !== this.file.dev || named.ino !== this.file.ino)) {
      throw new TraceRewrittenError(this.path, 0, 'the path now names another file: a new recording replaced it');
    }
    const size = fstatSync(this.fd!).size;
    if (size < this.offset) {
      throw new TraceRewrittenError(this.path, size, `the file shrank from ${this.offset} to ${size} bytes while followed: a new recording replaced it`);
    }
    if (!this.readAt(0, this.identity.length).equals(this.identity)) {
      throw new TraceRewrittenError(this.path, 0, 'its header block changed while followed: a new recording replaced it');
    }
    this.size = size;
  }

  /** The bytes of a run stored by reference, from its link's last raw record. */
  private runBytes(run: CommandRunByReference, raw: RawRecord | undefined): Uint8Array {
    if (!Number.isSafeInteger(run.length) || run.length < 0) {
      throw new TraceFormatError(this.path, this.blockAt, `command run of link ${run.link} ending at offset ${run.offset} has neither data nor a valid length: the file is corrupt`);
    }
    const from = run.pos - run.length;
    if (raw === undefined || from < raw.pos || run.pos > raw.pos + raw.data.length) {
      const held = raw === undefined ? 'the link has no master-side raw record before it' : `the link's last raw record holds positions ${raw.pos} to ${raw.pos + raw.data.length}`;
      throw new TraceFormatError(this.path, this.blockAt, `command run of link ${run.link} ending at offset ${run.offset} refers to master-side positions ${from} to ${run.pos}, but ${held}: the file is corrupt`);
    }
    return raw.data.subarray(from - raw.pos, run.pos - raw.pos);
  }

  *storedRecords(): Generator<StoredRecord, void, undefined> {
    this.blockAt = TRACE_MAGIC.length;
    let block: unknown[] | null = this.firstRecords;
    while (block !== null) {
      yield* block as StoredRecord[];
      this.blockAt = this.offset;
      block = this.nextBlock();
    }
  }

  close(): void {
    if (this.fd !== null) closeSync(this.fd);
    this.fd = null;
  }

  /**
   * The next block's records; null at the end of the file or after a cut-off tail. With `waitForTail`,
   * an incomplete last block is left to be read whole later (null, nothing consumed).
   */
  private nextBlock(waitForTail = false): unknown[] | null {
    const at = this.offset;
    if (at >= this.size) return null;
    const head = this.read(BLOCK_HEADER_BYTES);
    if (head.length < BLOCK_HEADER_BYTES && waitForTail) {
      this.offset = at;
      return null;
    }
    if (head.length < BLOCK_HEADER_BYTES) {
      this.warnings.push(`the trace is cut off at byte ${at}: ${counted(head.length, 'byte')} of a block header, no records lost from complete blocks`);
      return null;
    }
    const length = head.readUInt32LE(0);
    const stored = head.readUInt32LE(4);
    if (length === 0 || length > MAX_BLOCK_BYTES) {
      throw new TraceFormatError(this.path, at, `block length ${length} is out of range (1 to ${MAX_BLOCK_BYTES}): the file is corrupt`);
    }
    const payload = this.read(length);
    if (payload.length < length && waitForTail) {
      this.offset = at;
      return null;
    }
    if (payload.length < length) {
      const records = decodePrefix(payload);
      this.check(records, at);
      this.warnings.push(
        `the trace is cut off at byte ${this.size}, inside the block that starts at byte ${at} (${payload.length} of ${counted(length, 'byte')}): ` +
          `read ${counted(records.length, 'complete record')} from it; anything after them was never written`,
      );
      return records;
    }
    const computed = crc32(payload);
    if (computed !== stored) {
      throw new TraceFormatError(this.path, at, `block checksum mismatch (stored ${hex(stored)}, computed ${hex(computed)}): the file is corrupt`);
    }
    let records: unknown[];
    try {
      records = unpackr.unpackMultiple(payload) as unknown[];
    } catch (error) {
      throw new TraceFormatError(this.path, at, `block holds invalid msgpack (${(error as Error).message})`);
    }
    this.check(records, at);
    return records;
  }

  /** Refuses a block holding something readers cannot use, naming the record and what is wrong with it. */
  private check(records: unknown[], at: number): void {
    // The header block's first value is the header, checked on its own.
    const from = at === TRACE_MAGIC.length ? 1 : 0;
    for (let k = from; k < records.length; k++) {
      const problem = recordProblem(records[k]);
      if (problem !== null) throw new TraceFormatError(this.path, at, `value ${k + 1} of the block that starts here is ${problem}: the file is corrupt`);
    }
  }

  /** Up to `length` bytes from where reading stands (no further than the size last seen), moving on past them. */
  private read(length: number): Buffer {
    const bytes = this.readAt(this.offset, Math.min(length, Math.max(0, this.size - this.offset)));
    this.offset += bytes.length;
    return bytes;
  }

  /** Up to `length` bytes at `position`, fewer where the file ends. */
  private readAt(position: number, length: number): Buffer {
    const buffer = Buffer.allocUnsafe(length);
    let done = 0;
    while (done < buffer.length) {
      let n: number;
      try {
        n = readSync(this.fd!, buffer, done, buffer.length - done, position + done);
      } catch (error) {
        throw new TraceFormatError(this.path, position + done, `cannot read (${(error as NodeJS.ErrnoException).code ?? String(error)})`);
      }
      if (n === 0) break;
      done += n;
    }
    return buffer.subarray(0, done);
  }
}

/** Keeps a link's last master-side raw record, where its command runs stored by reference take their bytes. */
function noteRaw({ lastRaw }: Expansion, record: TraceRecord): void {
  if (record.type === 'raw' && record.dir === 'm2r') lastRaw.set(record.link, record);
  else if (record.type === 'link-close') lastRaw.delete(record.link);
}

/**
 * The complete records at the start of a cut-off block. Found structurally, one at a time: msgpackr's
 * native string extractor reads ahead through the whole buffer and would refuse them all.
 */
function decodePrefix(payload: Buffer): unknown[] {
  const records: unknown[] = [];
  let pos = 0;
  for (;;) {
    const end = msgpackValueEnd(payload, pos);
    if (end === -1) return records;
    records.push(unpackr.unpack(payload.subarray(pos, end)));
    pos = end;
  }
}

function hex(n: number): string {
  return `0x${n.toString(16).padStart(8, '0')}`;
}
