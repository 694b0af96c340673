import { equalsWord, latin1, parseInteger } from '../resp/ascii.js';
import { CommandScanner, type CommandFrame } from '../resp/command-scanner.js';
import { printableCommand } from '../resp/printable.js';
import type { LinkDecoderOptions } from './decoder-options.js';
import type { AckEvent, RecordedEvent } from './events.js';
import type { LinkState } from './link-state.js';
import { counted } from '../counted.js';

const REDACTED = Buffer.from('(redacted)');

/**
 * Decodes what the replica sends: handshake commands (inline or RESP, pipelined or not), PSYNC or
 * SYNC, then `REPLCONF ACK` and loading keep-alive newlines.
 */
export class ReplicaSideDecoder {
  private readonly scanner: CommandScanner;
  private failed = false;
  private t = 0;
  private out: RecordedEvent[] = [];
  private readonly onFrame = (frame: CommandFrame): void => this.frame(frame);
  /** Where AUTH passwords lie in what the last `feed` completed: `[start, end)` pairs of positions; empty when secrets are recorded. */
  readonly secretRanges: number[] = [];

  constructor(
    private readonly opts: LinkDecoderOptions,
    private readonly state: LinkState,
  ) {
    this.scanner = new CommandScanner(opts.scanner);
  }

  get opaque(): boolean {
    return this.failed;
  }

  /** Bytes at the end of what was fed that belong to a frame not yet complete. */
  get pendingFrameBytes(): number {
    return this.failed ? 0 : this.scanner.partialFrameBytes;
  }

  /**
   * Where the frame in progress starts when it may hold a password (its name is AUTH or HELLO, or not read yet),
   * so that its bytes are not recorded before its password is found; -1 otherwise.
   */
  get secretFrom(): number {
    if (this.failed || this.opts.recordSecrets) return -1;
    const pending = this.scanner.partialFrameBytes;
    if (pending === 0) return -1;
    const name = this.scanner.partialFrameName;
    return name === null || name.lower === 'auth' || name.lower === 'hello' ? this.scanner.position - pending : -1;
  }

  /** Stops referencing bytes fed earlier: the arguments of a command frame not yet complete are copied. */
  releaseInput(): boolean {
    if (!this.failed) this.scanner.releaseInput();
    return true;
  }

  /** When the connection ends: a decode-error if it ended inside a command frame. */
  end(t: number, out: RecordedEvent[]): void {
    const partial = this.scanner.partialFrameBytes;
    if (!this.failed && partial > 0) {
      out.push({ type: 'decode-error', t, link: this.opts.link, dir: 'r2m', at: this.state.bytes.r2m, message: `the connection ended ${counted(partial, 'byte')} into a command frame` });
    }
  }

  feed(chunk: Buffer, t: number, out: RecordedEvent[]): void {
    this.secretRanges.length = 0;
    if (this.failed) return;
    this.t = t;
    this.out = out;
    const error = this.scanner.scan(chunk, 0, chunk.length, this.onFrame);
    if (error) {
      this.failed = true;
      out.push({ type: 'decode-error', t, link: this.opts.link, dir: 'r2m', at: error.at, message: error.message });
    }
  }

  private frame(frame: CommandFrame): void {
    const { t, out } = this;
    const link = this.opts.link;
    const pos = frame.start + frame.size;
    if (frame.argc === 0) {
      out.push({ type: 'keepalive', t, link, dir: 'r2m', pos });
      return;
    }
    const args = frame.args;
    const name = frame.name!.lower;
    if (name === 'replconf' && equalsWord(args[0], 'ack')) {
      const offset = args[1] === undefined ? null : parseInteger(args[1]);
      if (offset !== null) {
        const master = this.state.masterOffset;
        const event: AckEvent = { type: 'ack', t, link, pos, offset, lag: master === null ? null : master - offset };
        const fack = equalsWord(args[2], 'fack') && args[3] !== undefined ? parseInteger(args[3]) : null;
        if (fack !== null) event.fack = fack;
        out.push(event);
        return;
      }
    }
    const password = this.opts.recordSecrets ? -1 : passwordIndex(name, frame);
    out.push({ type: 'handshake', t, link, pos, dir: 'r2m', command: this.commandText(frame, password) });
    if (password !== -1) this.notePassword(name, frame, password);
    if (name === 'psync' && args.length >= 2) {
      const offset = parseInteger(args[1]!);
      if (offset !== null) {
        this.state.psyncOffset = offset;
        this.state.enter('sync-wait', this.state.bytes.m2r, pos);
        out.push({ type: 'psync', t, link, pos, replid: latin1(args[0]!), offset });
      }
    } else if (name === 'sync') {
      this.state.psyncOffset = null;
      this.state.enter('sync-wait', this.state.bytes.m2r, pos);
      out.push({ type: 'sync', t, link, pos });
    }
  }

  /**
   * Where an AUTH frame's password lies. In a multibulk it is the last bulk's content, just before
   * the final CRLF. An inline command, or a HELLO with AUTH (which no replica sends), is hidden from
   * its second byte to its last, which keeps an inline command a line of the protocol.
   */
  private notePassword(name: string, frame: CommandFrame, password: number): void {
    const end = frame.start + frame.size;
    if (frame.kind === 'inline' || name !== 'auth') {
      // HELLO's password sits among other arguments (no replica sends it): all but the frame's ends goes.
      this.secretRanges.push(frame.start + 1, end - 1);
      return;
    }
    const kept = frame.args[password];
    if (kept === undefined) {
      // Past maxArgs: where the password starts is not known, so all but the frame's first byte goes.
      this.secretRanges.push(frame.start + 1, end);
      return;
    }
    let length = kept.length;
    const cut = frame.cut;
    if (cut !== null) for (let k = 0; k < cut.length; k += 2) if (cut[k] === password) length = cut[k + 1]!;
    this.secretRanges.push(end - 2 - length, end - 2);
  }

  /** The command as text, the argument at `password` (an index into `frame.args`, or -1) redacted. */
  private commandText(frame: CommandFrame, password: number): string {
    const args = [Buffer.from(frame.name!.spelling, 'latin1'), ...frame.args];
    if (password !== -1 && password < frame.args.length) args[password + 1] = REDACTED;
    const text = printableCommand(args);
    return frame.argc > args.length ? `${text} ... (${frame.argc} arguments)` : text;
  }
}

/**
 * Which argument after the name is a password, or -1: AUTH's last (`AUTH <password>` or `AUTH
 * <user> <password>`), HELLO's after `AUTH <user>`.
 */
function passwordIndex(name: string, frame: CommandFrame): number {
  if (name === 'auth') return frame.argc > 1 ? frame.argc - 2 : -1;
  if (name !== 'hello') return -1;
  for (let k = 0; k + 2 < frame.argc - 1; k++) if (equalsWord(frame.args[k], 'auth')) return k + 2;
  return -1;
}
