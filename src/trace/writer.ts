import { closeSync, openSync, writeSync } from 'node:fs';
import { crc32 } from 'node:zlib';
import { Packr } from 'msgpackr';
import type { CommandBatchEvent, CommandEvent, CommandRunEvent, RdbKeyEvent, RdbKeysEvent, RecordedEvent } from '../link/events.js';
import { TraceWriteError } from './errors.js';
import { BLOCK_HEADER_BYTES, BLOCK_TARGET_BYTES, TRACE_MAGIC, type CommandRunByReference, type RawRecord, type StoredRecord, type TraceHeader } from './format.js';
import {
  commandBatchRecordBound,
  commandRecordBound,
  DATA_HEAD_BOUND,
  encodeCommandBatchRecord,
  encodeCommandRecord,
  encodeCommandRunByReference,
  encodeCommandRunHead,
  encodeRawRecordHead,
  encodeRdbKeyRecord,
  encodeRdbKeysRecord,
  rdbKeyRecordBound,
  rdbKeysRecordBound,
} from './record-encoder.js';

export interface TraceWriterOptions {
  /**
   * Called once if a write fails after the header (a full disk, a size limit): the writer then
   * drops what it is given, so that a tap keeps forwarding. Without it, the failure is thrown.
   */
  onFailure?: (error: TraceWriteError) => void;
}

/**
 * Appends records to a trace file in CRC-checked blocks. Writes are synchronous: a block goes to
 * the page cache in microseconds, ordering is trivially kept, and the writer never holds more than
 * one block, whatever the disk does.
 */
export class TraceWriter {
  private readonly packr = new Packr({ useRecords: false, variableMapSize: true });
  private readonly block = Buffer.allocUnsafe(BLOCK_TARGET_BYTES + BLOCK_HEADER_BYTES);
  /** Bytes used in `block`, its header included. */
  private used = BLOCK_HEADER_BYTES;
  private fd: number | null;
  /** Bytes written to the file. */
  private written = 0;
  /** Why writing stopped, once it has. */
  private failure: TraceWriteError | null = null;
  /** Set once the header is written: a failure before that is thrown, whatever the options say. */
  private onFailure: ((error: TraceWriteError) => void) | null = null;
  /** Master-side positions `[pos, end)` the last `raw` record of each link holds. */
  private readonly lastRaw = new Map<number, { pos: number; end: number }>();

  constructor(
    readonly path: string,
    header: TraceHeader,
    options: TraceWriterOptions = {},
  ) {
    try {
      this.fd = openSync(path, 'w');
    } catch (error) {
      throw new TraceWriteError(path, 0, error);
    }
    this.writeAll(TRACE_MAGIC);
    this.append(header);
    this.flush();
    this.onFailure = options.onFailure ?? null;
  }

  /** Why writing stopped (reported once to `onFailure`), or null. */
  get failed(): TraceWriteError | null {
    return this.failure;
  }

  append(record: StoredRecord | RecordedEvent | TraceHeader): void {
    if (this.failure !== null) return;
    if (record.type === 'command') this.appendEncoded(record, commandRecordBound(record), encodeCommandRecord);
    else if (record.type === 'command-run') this.appendRun(record);
    else if (record.type === 'raw') this.appendRaw(record);
    else if (record.type === 'rdb-key' && record.value === undefined) this.appendEncoded(record, rdbKeyRecordBound(record), encodeRdbKeyRecord);
    else if (record.type === 'rdb-keys') this.appendEncoded(record, rdbKeysRecordBound(record), encodeRdbKeysRecord);
    else if (record.type === 'command-batch') this.appendEncoded(record, commandBatchRecordBound(record), encodeCommandBatchRecord);
    else {
      if (record.type === 'link-close') this.lastRaw.delete(record.link);
      this.appendPacked(record);
    }
  }

  private appendRaw(record: RawRecord): void {
    if (record.dir === 'm2r') this.lastRaw.set(record.link, { pos: record.pos, end: record.pos + record.data.length });
    this.appendWithData(record, encodeRawRecordHead);
  }

  /**
   * A command run. Its bytes are not written again when its link's last raw record holds them (at
   * `--record full` the chunk's raw record comes just before the run made from it): readers take
   * them from there.
   */
  private appendRun(run: CommandRunEvent | CommandRunByReference): void {
    if (run.data === undefined) return this.appendEncoded(run, DATA_HEAD_BOUND, encodeCommandRunByReference);
    const raw = this.lastRaw.get(run.link);
    if (raw === undefined || run.pos - run.data.length < raw.pos || run.pos > raw.end) return this.appendWithData(run, encodeCommandRunHead);
    const { data, ...fields } = run;
    this.appendEncoded({ ...fields, length: data.length }, DATA_HEAD_BOUND, encodeCommandRunByReference);
  }

  /** A record with a hand-written encoder, straight into the block (see record-encoder.ts). */
  private appendEncoded<T extends CommandEvent | RdbKeyEvent | RdbKeysEvent | CommandBatchEvent | CommandRunByReference>(record: T, bound: number, encode: (record: T, out: Buffer, at: number) => number): void {
    if (this.used + bound > this.block.length) {
      this.flush();
      if (BLOCK_HEADER_BYTES + bound > this.block.length) {
        // More than a block could promise room for: encoded on its own, then placed like a packed record.
        const scratch = Buffer.allocUnsafe(bound);
        return this.place(scratch.subarray(0, encode(record, scratch, 0)));
      }
    }
    this.used = encode(record, this.block, this.used);
  }

  /** A record that ends with a bin (`raw`, `command-run`): its head is encoded, its data copied once. */
  private appendWithData<T extends RawRecord | CommandRunEvent>(record: T, encodeHead: (record: T, out: Buffer, at: number) => number): void {
    const bound = DATA_HEAD_BOUND + record.data.length;
    if (this.used + bound > this.block.length) this.flush();
    if (this.used + bound <= this.block.length) {
      const at = encodeHead(record, this.block, this.used);
      this.block.set(record.data, at);
      this.used = at + record.data.length;
      return;
    }
    // Larger than a block: a block of its own, written from the chunk itself without a copy.
    const head = Buffer.allocUnsafe(DATA_HEAD_BOUND);
    const headLength = encodeHead(record, head, 0);
    const blockHeader = Buffer.allocUnsafe(BLOCK_HEADER_BYTES);
    blockHeader.writeUInt32LE(headLength + record.data.length, 0);
    blockHeader.writeUInt32LE(crc32(record.data, crc32(head.subarray(0, headLength))), 4);
    this.writeAll(blockHeader);
    this.writeAll(head.subarray(0, headLength));
    this.writeAll(record.data);
  }

  private appendPacked(record: StoredRecord | RecordedEvent | TraceHeader): void {
    this.place(this.packr.pack(record));
  }

  /** An encoded record: into the block, or a block of its own when larger than one. */
  private place(packed: Buffer): void {
    if (this.used + packed.length > this.block.length) {
      this.flush();
      if (BLOCK_HEADER_BYTES + packed.length > this.block.length) {
        this.writeBlock(packed);
        return;
      }
    }
    packed.copy(this.block, this.used);
    this.used += packed.length;
  }

  /** Writes the records appended so far. */
  flush(): void {
    if (this.used === BLOCK_HEADER_BYTES || this.fd === null) return;
    const payload = this.block.subarray(BLOCK_HEADER_BYTES, this.used);
    this.block.writeUInt32LE(payload.length, 0);
    this.block.writeUInt32LE(crc32(payload), 4);
    this.writeAll(this.block.subarray(0, this.used));
    this.used = BLOCK_HEADER_BYTES;
  }

  close(): void {
    if (this.fd === null) return;
    this.flush();
    closeSync(this.fd);
    this.fd = null;
  }

  private writeBlock(payload: Buffer): void {
    const header = Buffer.allocUnsafe(BLOCK_HEADER_BYTES);
    header.writeUInt32LE(payload.length, 0);
    header.writeUInt32LE(crc32(payload), 4);
    this.writeAll(header);
    this.writeAll(payload);
  }

  private writeAll(bytes: Uint8Array): void {
    if (this.failure !== null) return;
    if (this.fd === null) throw new Error(`trace ${this.path} is closed`);
    let done = 0;
    try {
      while (done < bytes.length) done += writeSync(this.fd, bytes, done, bytes.length - done);
    } catch (error) {
      this.fail(new TraceWriteError(this.path, this.written + done, error));
    }
    this.written += done;
  }

  private fail(failure: TraceWriteError): void {
    this.failure = failure;
    try {
      closeSync(this.fd!);
    } catch {
      // The file is given up on: what closing it says adds nothing to the failure.
    }
    this.fd = null;
    if (this.onFailure === null) throw failure;
    this.onFailure(failure);
  }
}
