import { equalsWord, parseInteger } from '../resp/ascii.js';
import type { CommandFrame } from '../resp/command-scanner.js';
import type { CommandEvent, LinkEvent } from './events.js';

/** The commands whose frames change what later frames mean (the database, the transaction). */
export const FOLLOWED_COMMANDS: ReadonlySet<string> = new Set(['select', 'multi', 'exec']);
/** The frames command batches leave out: those above, and REPLCONF, which only its arguments tell from GETACK. */
export const UNBATCHED_COMMANDS: ReadonlySet<string> = new Set([...FOLLOWED_COMMANDS, 'replconf']);

/**
 * What each frame of the propagated stream is: a command, a PING, a REPLCONF GETACK or a keep-alive
 * newline, with the database and MULTI state it runs in. The live decoder and the trace reader
 * expanding command runs both use it, so they give the same events.
 */
export class StreamCommands {
  /** Database selected by the last SELECT, null before the first. */
  db: number | null = null;
  inTx = false;

  constructor(private readonly args: boolean) {}

  reset(db: number | null, inTx: boolean): void {
    this.db = db;
    this.inTx = inTx;
  }

  /** The event for a frame whose last byte brings the stream to `offset` (direction position `pos`). */
  event(frame: CommandFrame, t: number, link: number, offset: number, pos: number): LinkEvent {
    const size = frame.size;
    if (frame.argc === 0) return { type: 'keepalive', t, link, dir: 'm2r', pos };
    const args = frame.args;
    const name = frame.name!.lower;
    let tx = this.inTx;
    switch (name) {
      case 'ping':
        return { type: 'ping', t, link, offset, size };
      case 'replconf':
        if (equalsWord(args[0], 'getack')) return { type: 'getack', t, link, offset, size };
        break;
      case 'select': {
        const db = args[0] === undefined ? null : parseInteger(args[0]);
        if (db !== null) this.db = db;
        break;
      }
      case 'multi':
        this.inTx = tx = true;
        break;
      case 'exec':
        this.inTx = false;
        break;
    }
    const event = this.command(t, link, offset, size, name, frame.argc);
    if (this.args) {
      event.args = args;
      if (frame.cut !== null) event.cut = frame.cut;
    }
    if (tx) event.tx = true;
    return event;
  }

  /**
   * The event for a frame of a command batch, known by its name (null for a newline), size and
   * argument count: none of UNBATCHED_COMMANDS, so neither the database nor MULTI changes.
   */
  batched(name: string | null, size: number, argc: number, t: number, link: number, offset: number, pos: number): LinkEvent {
    if (name === null) return { type: 'keepalive', t, link, dir: 'm2r', pos };
    if (name === 'ping') return { type: 'ping', t, link, offset, size };
    const event = this.command(t, link, offset, size, name, argc);
    if (this.inTx) event.tx = true;
    return event;
  }

  private command(t: number, link: number, offset: number, size: number, name: string, argc: number): CommandEvent {
    return { type: 'command', t, link, offset, size, name, argc, db: this.db };
  }

  /**
   * Follows SELECT and MULTI/EXEC (`FOLLOWED_COMMANDS`) through a whole frame of `chunk` without
   * making its event (the frame goes into a command run, scanned without argument views).
   */
  follow(frame: CommandFrame, chunk: Uint8Array): void {
    if (frame.argc === 0) return;
    switch (frame.name!.lower) {
      case 'select': {
        const db = frame.arg1At < 0 ? null : parseInteger(chunk.subarray(frame.arg1At, frame.arg1At + frame.arg1Length));
        if (db !== null) this.db = db;
        break;
      }
      case 'multi':
        this.inTx = true;
        break;
      case 'exec':
        this.inTx = false;
        break;
    }
  }
}
