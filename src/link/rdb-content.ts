import { RdbFormatError } from '../rdb/errors.js';
import type { RdbEvent } from '../rdb/events.js';
import { RdbDecoder } from '../rdb/rdb-decoder.js';
import { RdbSummaryBuilder } from '../rdb/summary.js';
import type { LinkDecoderOptions } from './decoder-options.js';
import type { LinkEvent, RdbEndEvent, RecordedEvent } from './events.js';
import { RdbKeyBatcher } from './rdb-key-batch.js';

const DEFAULT_TAP_MAX_VALUE_BYTES = 1024 * 1024;

/**
 * The content of an RDB payload crossing the link, decoded as it streams: AUX fields and keys become
 * link events, counts go into `rdb-end`. A fault in the content stops this decoding only: the
 * payload's framing and the stream after it are decoded as before.
 */
export class RdbContent {
  private readonly decoder: RdbDecoder;
  private readonly summary = new RdbSummaryBuilder();
  private readonly batcher = new RdbKeyBatcher();
  /** Whether the keys of the current call go into a batch (see `feed`). */
  private batch = false;
  private failed = false;

  constructor(
    private readonly opts: LinkDecoderOptions,
    /** Direction position of the payload's first byte. */
    private readonly start: number,
  ) {
    // The replica verifies the checksum itself; computing it here would cost the tap more CPU than
    // the rest of the decoding (see BENCHMARKS.md), so the trailer is reported, not checked.
    this.decoder = new RdbDecoder({
      values: opts.rdb === 'values',
      maxValueBytes: opts.rdbMaxValueBytes ?? DEFAULT_TAP_MAX_VALUE_BYTES,
      verifyChecksum: false,
      ...(opts.rdb === 'summary' ? { countKeysInto: this.summary } : {}),
    });
  }

  /** Stops referencing bytes fed earlier, if it can (see RdbDecoder.releaseInput). */
  releaseInput(): boolean {
    return this.failed || this.decoder.releaseInput();
  }

  /** With `batch`, keys without values come as one `rdb-keys` batch per call (see RdbKeysEvent). */
  feed(bytes: Uint8Array, t: number, out: RecordedEvent[], batch: boolean): void {
    if (this.failed) return;
    this.batch = batch;
    try {
      this.take(this.decoder.feed(bytes), t, out);
    } catch (error) {
      this.fault(error, t, out);
    }
  }

  /** The payload is complete: the counts for `rdb-end`, or nulls if the content could not be decoded. */
  end(t: number, out: RecordedEvent[], batch: boolean): Pick<RdbEndEvent, 'keys' | 'dbs' | 'types' | 'checksum'> {
    if (!this.failed) {
      this.batch = batch;
      try {
        this.take(this.decoder.end(), t, out);
      } catch (error) {
        this.fault(error, t, out);
      }
    }
    if (this.failed) return { keys: null, dbs: null, types: null, checksum: null };
    const s = this.summary.summary;
    const dbs: Record<string, { keys: number; expires: number }> = {};
    for (const [db, d] of Object.entries(s.dbs)) dbs[db] = { keys: d.keys, expires: d.expires };
    return { keys: s.keys, dbs, types: s.types, checksum: s.checksum };
  }

  private take(events: RdbEvent[], t: number, out: RecordedEvent[]): void {
    const link = this.opts.link;
    const batch = this.batch;
    if (batch) this.batcher.expect(events.length);
    for (const e of events) {
      this.summary.add(e);
      if (e.type === 'aux') {
        this.batcher.flush(t, link, out);
        out.push({ type: 'rdb-aux', t, link, key: e.key, value: Buffer.from(e.value).toString('utf8') });
      } else if (e.type === 'key' && this.opts.rdb !== 'summary') {
        if (batch && e.value === undefined) {
          this.batcher.add(e);
          continue;
        }
        const event: LinkEvent = { type: 'rdb-key', t, link, db: e.db, key: e.key, valueType: e.valueType, encoding: e.encoding, expiry: e.expiry, length: e.length };
        if (e.value !== undefined) event.value = e.value;
        out.push(event);
      }
    }
    this.batcher.flush(t, link, out);
  }

  private fault(error: unknown, t: number, out: RecordedEvent[]): void {
    if (!(error instanceof RdbFormatError)) throw error;
    this.take(error.events, t, out);
    this.failed = true;
    out.push({ type: 'decode-error', t, link: this.opts.link, dir: 'm2r', at: this.start + error.at, message: `RDB content: ${error.reason} (the payload is still framed and forwarded)` });
  }
}
