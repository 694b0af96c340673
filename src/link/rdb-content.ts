import { RdbFormatError } from '../rdb/errors.js';
import type { RdbEvent, RdbValueType } from '../rdb/events.js';
import { RdbDecoder } from '../rdb/rdb-decoder.js';
import type { RdbSink } from '../rdb/sink.js';
import { RdbSummaryBuilder } from '../rdb/summary.js';
import type { LinkDecoderOptions } from './decoder-options.js';
import type { LinkEvent, RdbEndEvent, RecordedEvent } from './events.js';
import { RdbKeyBatcher } from './rdb-key-batch.js';

const DEFAULT_TAP_MAX_VALUE_BYTES = 1024 * 1024;

/**
 * The content of an RDB payload crossing the link, decoded as it streams: AUX fields and keys become
 * link events, counts go into `rdb-end`. A fault in the content stops this decoding only: the
 * payload's framing and the stream after it are decoded as before. Without values it is the
 * decoder's sink: keys come one call each, with no event made for them on the way.
 */
export class RdbContent implements RdbSink {
  readonly namesKeys: boolean;
  private readonly decoder: RdbDecoder;
  private readonly summary = new RdbSummaryBuilder();
  private readonly batcher = new RdbKeyBatcher();
  /** Where the events of the current call go, when, and whether keys go into a batch (see `feed`). */
  private out: RecordedEvent[] = [];
  private t = 0;
  private batch = false;
  private failed = false;

  constructor(
    private readonly opts: LinkDecoderOptions,
    /** Direction position of the payload's first byte. */
    private readonly start: number,
  ) {
    this.namesKeys = opts.rdb !== 'summary';
    // The replica verifies the checksum itself; computing it here would cost the tap more CPU than
    // the rest of the decoding (see BENCHMARKS.md), so the trailer is reported, not checked.
    this.decoder = new RdbDecoder({
      values: opts.rdb === 'values',
      maxValueBytes: opts.rdbMaxValueBytes ?? DEFAULT_TAP_MAX_VALUE_BYTES,
      verifyChecksum: false,
      ...(opts.rdb === 'values' ? {} : { sink: this }),
    });
  }

  /** Stops referencing bytes fed earlier, if it can (see RdbDecoder.releaseInput). */
  releaseInput(): boolean {
    return this.failed || this.decoder.releaseInput();
  }

  /** With `batch`, keys without values come as one `rdb-keys` batch per call (see RdbKeysEvent). */
  feed(bytes: Uint8Array, t: number, out: RecordedEvent[], batch: boolean): void {
    if (this.failed) return;
    this.beginCall(t, out, batch);
    try {
      this.take(this.decoder.feed(bytes));
    } catch (error) {
      this.fault(error);
    }
    this.batcher.flush(t, this.opts.link, out);
  }

  /** The payload is complete: the counts for `rdb-end`, or nulls if the content could not be decoded. */
  end(t: number, out: RecordedEvent[], batch: boolean): Pick<RdbEndEvent, 'keys' | 'dbs' | 'types' | 'checksum'> {
    if (!this.failed) {
      this.beginCall(t, out, batch);
      try {
        this.take(this.decoder.end());
      } catch (error) {
        this.fault(error);
      }
      this.batcher.flush(t, this.opts.link, out);
    }
    if (this.failed) return { keys: null, dbs: null, types: null, checksum: null };
    const s = this.summary.summary;
    const dbs: Record<string, { keys: number; expires: number }> = {};
    for (const [db, d] of Object.entries(s.dbs)) dbs[db] = { keys: d.keys, expires: d.expires };
    return { keys: s.keys, dbs, types: s.types, checksum: s.checksum };
  }

  key(db: number, name: Uint8Array, nameAt: number, nameLength: number, valueType: RdbValueType, encoding: string, expiry: number | null, length: number | null, empty: boolean): void {
    this.summary.addKey(db, valueType, encoding, expiry !== null, empty);
    if (!this.namesKeys) return;
    if (this.batch) this.batcher.add(db, name, nameAt, nameLength, valueType, encoding, expiry, length);
    // A copy: the name is a span of the decoder's input, which the caller may reuse.
    else this.out.push({ type: 'rdb-key', t: this.t, link: this.opts.link, db, key: new Uint8Array(name.subarray(nameAt, nameAt + nameLength)), valueType, encoding, expiry, length });
  }

  event(e: RdbEvent): void {
    this.summary.add(e);
    if (e.type === 'aux') {
      this.batcher.flush(this.t, this.opts.link, this.out);
      this.out.push({ type: 'rdb-aux', t: this.t, link: this.opts.link, key: e.key, value: Buffer.from(e.value).toString('utf8') });
    } else if (e.type === 'key') {
      const event: LinkEvent = { type: 'rdb-key', t: this.t, link: this.opts.link, db: e.db, key: e.key, valueType: e.valueType, encoding: e.encoding, expiry: e.expiry, length: e.length };
      if (e.value !== undefined) event.value = e.value;
      this.out.push(event);
    }
  }

  private beginCall(t: number, out: RecordedEvent[], batch: boolean): void {
    this.t = t;
    this.out = out;
    this.batch = batch;
  }

  /** Events the decoder returned rather than handed over (values decoded, or those of a fault). */
  private take(events: RdbEvent[]): void {
    for (const e of events) this.event(e);
  }

  private fault(error: unknown): void {
    if (!(error instanceof RdbFormatError)) throw error;
    this.take(error.events);
    this.failed = true;
    this.batcher.flush(this.t, this.opts.link, this.out);
    this.out.push({ type: 'decode-error', t: this.t, link: this.opts.link, dir: 'm2r', at: this.start + error.at, message: `RDB content: ${error.reason} (the payload is still framed and forwarded)` });
  }
}
