import type { LinkDecoderOptions } from './decoder-options.js';
import type { ByDirection, Direction, LinkCloseEvent, LinkEvent, LinkOpenEvent, LinkPhase, RecordedEvent } from './events.js';
import { LinkState } from './link-state.js';
import { MasterSideDecoder } from './master-side.js';
import { ReplicaSideDecoder } from './replica-side.js';

/**
 * The replication link as a pure state machine: fed the bytes of both directions in the order they
 * arrived, it returns typed events with their byte positions. It never sees a socket or a clock:
 * the caller passes the time of each chunk.
 */
export class LinkDecoder {
  readonly state = new LinkState();
  private readonly master: MasterSideDecoder;
  private readonly replica: ReplicaSideDecoder;

  constructor(readonly options: LinkDecoderOptions) {
    this.master = new MasterSideDecoder(options, this.state);
    this.replica = new ReplicaSideDecoder(options, this.state);
  }

  get link(): number {
    return this.options.link;
  }

  get phase(): LinkPhase {
    return this.state.phase;
  }

  /** True when a direction stopped decoding after a protocol error (its bytes still flow). */
  opaque(dir: Direction): boolean {
    return dir === 'm2r' ? this.master.opaque : this.replica.opaque;
  }

  /** Bytes at the end of a direction that belong to a frame (or reply line) not yet complete. */
  pendingBytes(dir: Direction): number {
    return dir === 'm2r' ? this.master.pendingFrameBytes : this.replica.pendingFrameBytes;
  }

  /**
   * Stops a direction referencing bytes fed before, copying the few it still needs (a partial
   * frame's arguments, an RDB record's key and unread bytes). Events refer to the chunk they came
   * from; apart from that, once this returns true the memory of every chunk fed may be reused for
   * the next reads. False when it cannot: decoding RDB values, a record that began in a chunk as
   * it was fed is made of views of it.
   */
  releaseInput(dir: Direction): boolean {
    return dir === 'm2r' ? this.master.releaseInput() : this.replica.releaseInput();
  }

  /** Where AUTH passwords lie in the replica's bytes the last r2m chunk completed (`[start, end)` position pairs); none when secrets are recorded. */
  get secretRanges(): readonly number[] {
    return this.replica.secretRanges;
  }

  /** Where a replica frame in progress that may be an AUTH starts, else -1 (see RawRedactor). */
  get secretFrom(): number {
    return this.replica.secretFrom;
  }

  /** Payload bytes of the RDB in progress, or null outside the RDB phase. */
  get rdbBytes(): number | null {
    return this.master.rdbBytes;
  }

  /** Bytes a length-framed RDB in progress still has to send, else null. */
  get rdbRemaining(): number | null {
    return this.master.rdbRemainingBytes;
  }

  open(t: number, replica: string, master: string): LinkOpenEvent {
    return { type: 'link-open', t, link: this.link, replica, master };
  }

  feed(dir: Direction, chunk: Buffer, t: number): LinkEvent[] {
    // Without runs asked for, no command-run or command-batch event is made.
    return this.decode(dir, chunk, t, false) as LinkEvent[];
  }

  /**
   * As `feed`, but the frames of the propagated stream come in one event per chunk instead of one
   * per frame, for recording when nothing needs the events one by one: whole frames as command runs
   * (their bytes), or as command batches (what each frame is) where arguments are not kept.
   */
  feedRuns(dir: Direction, chunk: Buffer, t: number): RecordedEvent[] {
    return this.decode(dir, chunk, t, true);
  }

  private decode(dir: Direction, chunk: Buffer, t: number, runs: boolean): RecordedEvent[] {
    const out: RecordedEvent[] = [];
    this.state.bytes[dir] += chunk.length;
    if (dir === 'm2r') this.master.feed(chunk, t, out, runs);
    else this.replica.feed(chunk, t, out);
    return out;
  }

  /**
   * The link ended: anything left incomplete in either direction, then the link-close event, with
   * what was `forwarded` each way when a tap handed the bytes on.
   */
  close(t: number, reason: string, forwarded?: ByDirection): LinkEvent[] {
    const out: LinkEvent[] = [];
    if (!this.master.opaque) this.master.end(t, out);
    this.replica.end(t, out);
    const closing: LinkCloseEvent = { type: 'link-close', t, link: this.link, reason, phase: this.state.phase, bytes: { ...this.state.bytes } };
    if (forwarded !== undefined) closing.forwarded = forwarded;
    out.push(closing);
    return out;
  }
}
