import { latin1, parseInteger } from '../resp/ascii.js';
import type { CommandName } from '../resp/command-names.js';
import { CommandScanner, type CommandFrame, type RunFrames } from '../resp/command-scanner.js';
import { DecodeError } from '../resp/decode-error.js';
import { LineReader } from '../resp/line-reader.js';
import { printable } from '../resp/printable.js';
import type { LinkDecoderOptions } from './decoder-options.js';
import { EOF_MARK_BYTES, EofMarkFinder } from './eof-mark-finder.js';
import type { RecordedEvent } from './events.js';
import type { LinkState } from './link-state.js';
import { RdbContent } from './rdb-content.js';
import { RdbPayloadMeter } from './rdb-payload-meter.js';
import { CommandBatcher } from './command-batch.js';
import { FOLLOWED_COMMANDS, StreamCommands, UNBATCHED_COMMANDS } from './stream-commands.js';
import { counted } from '../counted.js';

const M_REPLIES = 0;
const M_RDB_LENGTH = 1;
const M_RDB_EOF = 2;
const M_STREAM = 3;
const M_OPAQUE = 4;

/**
 * Decodes what the master sends: handshake replies and keep-alive newlines, the PSYNC outcome, the
 * RDB payload in either framing, then the propagated command stream with replication offsets.
 */
export class MasterSideDecoder {
  private mode = M_REPLIES;
  /** Bytes of this direction consumed before the current chunk. */
  private pos = 0;
  private readonly lines = new LineReader();
  /** Direction position of the first byte of the reply line being read. */
  private lineStart = 0;
  private meter: RdbPayloadMeter | null = null;
  private content: RdbContent | null = null;
  private headerChecked = false;
  /** Direction position of the RDB payload's first byte. */
  private rdbStart = 0;
  private rdbRemaining = 0;
  private eof: EofMarkFinder | null = null;
  private scanner: CommandScanner | null = null;
  private snapshotOffset: number | null = null;
  private readonly commands: StreamCommands;
  // The chunk being fed, for the frame callback (kept on the instance to avoid a closure per chunk).
  private t = 0;
  private out: RecordedEvent[] = [];
  private chunk: Buffer = EMPTY;
  /**
   * Whether frames are gathered for this chunk instead of made into events one by one: as command
   * runs (their bytes), or, where arguments are not kept, as command batches (what each frame is).
   */
  private runs = false;
  /** Command batches (see CommandBatchEvent) when arguments are not kept, else null. */
  private readonly batcher: CommandBatcher | null;
  /** Chunk index of the stream position 0 (the scanner counts positions from the stream's start). */
  private chunkBase = 0;
  /**
   * The run or batch being gathered: chunk index of its first byte (a batch's may lie before the
   * chunk), where it ends, the state at its start, and its frames (0: none is open).
   */
  private runFrom = 0;
  private runEnd = 0;
  private runDb: number | null = null;
  private runTx = false;
  private runCount = 0;
  private readonly onFrame = (frame: CommandFrame): void => this.frame(frame);
  private readonly runFrames: RunFrames;
  private readonly onPayload = (bytes: Buffer, start: number, end: number): void => this.payload(bytes, start, end);

  constructor(
    private readonly opts: LinkDecoderOptions,
    private readonly state: LinkState,
  ) {
    this.commands = new StreamCommands(opts.args);
    const plain = (count: number, start: number, end: number): void => this.plain(count, start, end);
    if (opts.args) {
      this.batcher = null;
      this.runFrames = { follow: FOLLOWED_COMMANDS, plain };
    } else {
      const batcher = new CommandBatcher();
      this.batcher = batcher;
      this.runFrames = { follow: UNBATCHED_COMMANDS, plain, each: (name: CommandName | null, size: number, argc: number) => batcher.add(name, size, argc) };
    }
  }

  get opaque(): boolean {
    return this.mode === M_OPAQUE;
  }

  /** Payload bytes of an RDB in progress, or null outside the RDB. */
  get rdbBytes(): number | null {
    return this.mode === M_RDB_LENGTH || this.mode === M_RDB_EOF ? this.meter!.bytes : null;
  }

  /** Bytes at the end of what was fed that belong to a line or frame not yet complete. */
  get pendingFrameBytes(): number {
    if (this.mode === M_REPLIES) return this.lines.pending;
    if (this.mode === M_STREAM) return this.scanner!.partialFrameBytes;
    return 0;
  }

  /**
   * Stops referencing bytes fed earlier, if it can: the arguments of a command frame not yet
   * complete are copied, and so is what the RDB decoder holds (see RdbDecoder.releaseInput). Reply
   * lines, the payload's header and a diskless payload's held-back end are copies already.
   */
  releaseInput(): boolean {
    if (this.mode === M_STREAM) this.scanner!.releaseInput();
    else if (this.mode === M_RDB_LENGTH || this.mode === M_RDB_EOF) return this.content?.releaseInput() ?? true;
    return true;
  }

  /** Bytes still announced by a length-framed RDB in progress. */
  get rdbRemainingBytes(): number | null {
    return this.mode === M_RDB_LENGTH ? this.rdbRemaining : null;
  }

  /**
   * When the connection ends: what was left incomplete (a reply line, the RDB payload, a command
   * frame), as a decode-error at the last byte, or nothing when it ended on a boundary.
   */
  end(t: number, out: RecordedEvent[]): void {
    let message: string | null = null;
    switch (this.mode) {
      case M_REPLIES:
        if (this.lines.pending > 0) message = `the connection ended inside a reply line (${counted(this.lines.pending, 'byte')} without a newline)`;
        break;
      case M_RDB_LENGTH: {
        const meter = this.meter!;
        const total = meter.bytes + this.rdbRemaining;
        message = `the connection ended ${counted(meter.bytes, 'byte')} into an RDB payload of ${total} (${((meter.bytes / total) * 100).toFixed(1)}%)`;
        break;
      }
      case M_RDB_EOF:
        message = `the connection ended ${counted(this.meter!.bytes + this.eof!.heldBack, 'byte')} into a diskless RDB payload, before its end mark`;
        break;
      case M_STREAM: {
        const partial = this.scanner!.partialFrameBytes;
        if (partial > 0) message = `the connection ended ${counted(partial, 'byte')} into a command frame`;
        break;
      }
    }
    if (message !== null) out.push({ type: 'decode-error', t, link: this.opts.link, dir: 'm2r', at: this.state.bytes.m2r, message });
  }

  /** Decodes a chunk; with `runs`, whole frames of the stream come as command runs (see CommandRunEvent). */
  feed(chunk: Buffer, t: number, out: RecordedEvent[], runs: boolean): void {
    const n = chunk.length;
    this.t = t;
    this.out = out;
    this.runs = runs;
    let i = 0;
    while (i < n && this.mode !== M_OPAQUE) {
      switch (this.mode) {
        case M_REPLIES: {
          if (this.lines.pending === 0) this.lineStart = this.pos + i;
          const end = this.lines.read(chunk, i, n, this.pos + i);
          if (end instanceof DecodeError) {
            this.fail(end);
          } else if (end === -1) {
            i = n;
          } else {
            i = end;
            this.reply(this.lines.take(), this.pos + i);
          }
          break;
        }
        case M_RDB_LENGTH: {
          const take = Math.min(this.rdbRemaining, n - i);
          this.payload(chunk, i, i + take);
          i += take;
          this.rdbRemaining -= take;
          if (this.mode === M_RDB_LENGTH && this.rdbRemaining === 0) this.endRdb(this.pos + i);
          break;
        }
        case M_RDB_EOF: {
          const end = this.eof!.find(chunk, i, n, this.onPayload);
          i = end === -1 ? n : end;
          if (this.mode === M_RDB_EOF && end !== -1) this.endRdb(this.pos + i);
          break;
        }
        case M_STREAM: {
          const scanner = this.scanner!;
          scanner.runs(runs ? this.runFrames : null);
          this.chunk = chunk;
          this.chunkBase = i - scanner.position;
          const error = scanner.scan(chunk, i, n, this.onFrame);
          this.endRun();
          this.chunk = EMPTY;
          i = n;
          if (error) this.fail(new DecodeError(this.state.streamStart + error.at, error.message));
          break;
        }
      }
    }
    this.pos += n;
  }

  private reply(line: Buffer, pos: number): void {
    const { t, out } = this;
    const link = this.opts.link;
    if (line.length === 0) {
      out.push({ type: 'keepalive', t, link, dir: 'm2r', pos });
      return;
    }
    const text = latin1(line);
    if (text.startsWith('+FULLRESYNC')) {
      const [, replid = '', offsetText = ''] = text.split(' ');
      const offset = parseInteger(Buffer.from(offsetText, 'latin1'));
      if (offset === null) return this.fail(new DecodeError(this.lineStart, `+FULLRESYNC without a valid offset: ${JSON.stringify(text)}`));
      this.snapshotOffset = offset;
      this.state.replid = replid;
      out.push({ type: 'fullresync', t, link, pos, replid, offset });
    } else if (text.startsWith('+CONTINUE')) {
      const replid = text.slice('+CONTINUE'.length).trim() || null;
      const requested = this.state.psyncOffset;
      const offset = requested !== null && requested > 0 ? requested - 1 : null;
      if (replid !== null) this.state.replid = replid;
      out.push({ type: 'continue', t, link, pos, replid, offset });
      this.startStream(pos, offset);
    } else if (text.startsWith('$EOF:')) {
      const mark = line.subarray(5);
      if (mark.length !== EOF_MARK_BYTES) {
        return this.fail(new DecodeError(this.lineStart, `$EOF: mark of ${mark.length} bytes, expected ${EOF_MARK_BYTES}`));
      }
      out.push({ type: 'rdb-begin', t, link, pos, framing: 'eof', length: null });
      this.beginRdb(M_RDB_EOF, pos);
      this.eof = new EofMarkFinder(Buffer.from(mark));
    } else if (text.startsWith('$ENDOFF:')) {
      this.endOffset(text, pos);
    } else if (text.startsWith('$')) {
      const length = parseInteger(line.subarray(1));
      if (length === null || length < 0) {
        return this.fail(new DecodeError(this.lineStart, `invalid RDB length line ${JSON.stringify(text)}`));
      }
      out.push({ type: 'rdb-begin', t, link, pos, framing: 'length', length });
      this.rdbRemaining = length;
      this.beginRdb(M_RDB_LENGTH, pos);
      if (length === 0) this.endRdb(pos);
    } else if (text.startsWith('+') || text.startsWith('-')) {
      out.push({ type: 'handshake', t, link, pos, dir: 'm2r', reply: text });
    } else {
      this.fail(new DecodeError(this.lineStart, `unexpected line from the master: ${printable(line.subarray(0, 64))}`));
    }
  }

  private endOffset(text: string, pos: number): void {
    // Valkey dual-channel: `$ENDOFF:<offset> <replid> <dbid> <client-id>` plays +FULLRESYNC's part.
    const [offsetText = '', replid = '', dbText = '', clientId = ''] = text.slice('$ENDOFF:'.length).split(' ');
    const offset = parseInteger(Buffer.from(offsetText, 'latin1'));
    const dbid = parseInteger(Buffer.from(dbText, 'latin1'));
    if (offset === null || dbid === null) {
      return this.fail(new DecodeError(this.lineStart, `malformed $ENDOFF line ${JSON.stringify(text)}`));
    }
    this.snapshotOffset = offset;
    this.state.replid = replid;
    this.out.push({ type: 'endoff', t: this.t, link: this.opts.link, pos, offset, replid, dbid, clientId });
  }

  private beginRdb(mode: number, start: number): void {
    this.mode = mode;
    this.meter = new RdbPayloadMeter();
    this.rdbStart = start;
    this.content = this.opts.rdb === 'none' ? null : new RdbContent(this.opts, start);
    this.headerChecked = false;
    this.state.rdbLength = mode === M_RDB_LENGTH ? this.rdbRemaining : null;
    this.state.enter('rdb', start, this.state.bytes.r2m);
  }

  private payload(bytes: Buffer, start: number, end: number): void {
    const meter = this.meter!;
    meter.feed(bytes, start, end);
    if (!this.headerChecked && meter.headerComplete) {
      // Not an RDB at all: garbage, so the direction stops being decoded (content faults do not do that).
      this.headerChecked = true;
      if (meter.magic === null) return this.fail(new DecodeError(this.rdbStart, `RDB payload does not start with REDIS or VALKEY magic: ${meter.headText}`));
    }
    if (this.content !== null && end > start && this.mode !== M_OPAQUE) this.content.feed(bytes.subarray(start, end), this.t, this.out, this.runs);
  }

  private endRdb(pos: number): void {
    const meter = this.meter!;
    const counts = this.content?.end(this.t, this.out, this.runs) ?? { keys: null, dbs: null, types: null, checksum: null };
    this.content = null;
    this.out.push({ type: 'rdb-end', t: this.t, link: this.opts.link, pos, bytes: meter.bytes, rdbVersion: meter.magic?.version ?? null, ...counts });
    this.eof = null;
    this.startStream(pos, this.snapshotOffset ?? 0);
  }

  private startStream(pos: number, base: number | null): void {
    this.mode = M_STREAM;
    this.scanner = new CommandScanner(this.opts.scanner);
    this.state.masterOffset = base;
    this.state.streamStart = pos;
    this.state.streamBase = base ?? 0;
    this.state.enter('stream', pos, this.state.bytes.r2m);
    this.commands.reset(null, false);
  }

  private frame(frame: CommandFrame): void {
    // The scanner counts from the stream's first byte: `end` is a stream position, not a direction one.
    const end = frame.start + frame.size;
    const offset = this.state.streamBase + end;
    this.state.masterOffset = offset;
    if (this.runs) {
      if (this.batcher !== null) {
        if (frame.argc === 0 || !UNBATCHED_COMMANDS.has(frame.name!.lower)) {
          this.batcher.add(frame.argc === 0 ? null : frame.name, frame.size, frame.argc);
          this.extendRun(1, frame.start, end);
          return;
        }
      } else if (frame.whole) {
        this.extendRun(1, frame.start, end);
        this.commands.follow(frame, this.chunk);
        return;
      }
    }
    this.endRun();
    this.out.push(this.commands.event(frame, this.t, this.opts.link, offset, this.state.streamStart + end));
  }

  /** Whole frames the scanner passed over in run mode, none of them followed (see FOLLOWED_COMMANDS). */
  private plain(count: number, start: number, end: number): void {
    this.extendRun(count, start, end);
    this.state.masterOffset = this.state.streamBase + end;
  }

  /** Adds `count` frames between stream positions `start` and `end` to the run or batch (opening one). */
  private extendRun(count: number, start: number, end: number): void {
    if (this.runCount === 0) {
      this.runFrom = this.chunkBase + start;
      this.runDb = this.commands.db;
      this.runTx = this.commands.inTx;
    }
    this.runCount += count;
    this.runEnd = end;
  }

  /** Closes the run or batch being gathered, if any, as one event. */
  private endRun(): void {
    if (this.runCount === 0) return;
    const end = this.runEnd;
    const pos = this.state.streamStart + end;
    const offset = this.state.streamBase + end;
    const { t, runDb: db, runTx: tx } = this;
    const link = this.opts.link;
    if (this.batcher !== null) this.out.push(this.batcher.take(t, link, pos, offset, db, tx));
    else this.out.push({ type: 'command-run', t, link, pos, offset, db, tx, count: this.runCount, data: this.chunk.subarray(this.runFrom, this.chunkBase + end) });
    this.runCount = 0;
  }

  private fail(error: DecodeError): void {
    this.mode = M_OPAQUE;
    this.out.push({ type: 'decode-error', t: this.t, link: this.opts.link, dir: 'm2r', at: error.at, message: error.message });
  }
}

const EMPTY = Buffer.alloc(0);
