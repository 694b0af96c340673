import { UsageError } from '../errors.js';
import type { LinkEvent } from '../link/events.js';
import { openTrace } from '../trace/reader.js';

/** Bytes the master sent, as they arrived, with the time they arrived. */
export interface TimedBytes {
  t: number;
  data: Buffer;
}

/**
 * What a master sent on a recorded link, enough to serve it again: the snapshot (everything after
 * the `+FULLRESYNC` line up to the RDB's last byte, keep-alives and the `$` header included) and
 * the command stream that followed, stitched across later links that resumed with `+CONTINUE`.
 */
export interface Recording {
  replid: string;
  /** The replication offset of the snapshot: the stream's first byte is at offset + 1. */
  offset: number;
  snapshot: Buffer[];
  /** How the RDB was framed: after a diskless (`$EOF:`) RDB a master waits for the replica's first ACK. */
  framing: 'length' | 'eof';
  /** The stream, in the order and with the times it arrived. */
  stream: TimedBytes[];
  /** Replication offset after the last complete frame of the stream. */
  endOffset: number;
  /** The links it was taken from. */
  links: number[];
  commands: number;
}

interface LinkBytes {
  raw: { pos: number; t: number; data: Buffer }[];
  events: LinkEvent[];
}

/**
 * Reads a trace recorded at `full` and rebuilds what the master sent on `link` (default: the first
 * link with a complete full sync). Throws a UsageError that says what is missing otherwise.
 */
export function readRecording(path: string, link?: number): Recording {
  const trace = openTrace(path);
  const links = new Map<number, LinkBytes>();
  try {
    if (trace.header.record !== 'full') {
      throw new UsageError(
        `${path} was recorded at --record ${trace.header.record}: replay needs --record full, which keeps the raw bytes of the RDB and the stream. Record it again with repltap capture, or repltap proxy --record full`,
      );
    }
    for (const record of trace.records()) {
      let bytes = links.get(record.link);
      if (!bytes) links.set(record.link, (bytes = { raw: [], events: [] }));
      if (record.type === 'raw') {
        if (record.dir === 'm2r') bytes.raw.push({ pos: record.pos, t: record.t, data: Buffer.from(record.data.buffer, record.data.byteOffset, record.data.length) });
      } else if (record.type === 'fullresync' || record.type === 'rdb-begin' || record.type === 'rdb-end' || record.type === 'continue' || record.type === 'command' || record.type === 'ping' || record.type === 'getack') {
        bytes.events.push(record);
      }
    }
  } finally {
    trace.close();
  }
  if (trace.warnings.length > 0) {
    throw new UsageError(`${path}: ${trace.warnings.join('; ')}: replay needs a complete trace (repltap trace cut ${path} <out> keeps the readable part)`);
  }
  const ids = [...links.keys()].sort((a, b) => a - b);
  const first = link ?? ids.find((id) => fullSync(links.get(id)!) !== null);
  if (first === undefined) throw new UsageError(`${path} holds no link with a complete full sync (+FULLRESYNC and the whole RDB): nothing to replay a dataset from`);
  const source = links.get(first);
  const sync = source ? fullSync(source) : null;
  if (!source || !sync) throw new UsageError(`${path}: link ${first} ${source ? 'has no complete full sync' : 'is not in the trace'} (links: ${ids.join(', ') || 'none'})`);
  const recording: Recording = { replid: sync.replid, offset: sync.offset, snapshot: slice(source, sync.snapshotFrom, sync.streamFrom).map((p) => p.data), framing: sync.framing, stream: [], endOffset: sync.offset, links: [first], commands: 0 };
  append(recording, source, sync.streamFrom, sync.offset);
  // Later links that resumed the same history carry the stream on.
  for (const id of ids.filter((id) => id > first)) {
    const bytes = links.get(id)!;
    const resumed = bytes.events.find((e) => e.type === 'continue');
    if (!resumed || resumed.type !== 'continue' || resumed.offset === null || (resumed.replid !== null && resumed.replid !== recording.replid)) break;
    if (resumed.offset > recording.endOffset) break;
    recording.links.push(id);
    append(recording, bytes, resumed.pos, resumed.offset);
  }
  return recording;
}

/** The link's first complete full sync: where the snapshot and the stream begin. */
function fullSync(bytes: LinkBytes): { replid: string; offset: number; snapshotFrom: number; streamFrom: number; framing: 'length' | 'eof' } | null {
  const index = bytes.events.findIndex((e) => e.type === 'fullresync');
  const resync = bytes.events[index];
  const rest = bytes.events.slice(index + 1);
  const begin = rest.find((e) => e.type === 'rdb-begin');
  const end = rest.find((e) => e.type === 'rdb-end');
  if (!resync || resync.type !== 'fullresync' || !begin || begin.type !== 'rdb-begin' || !end || end.type !== 'rdb-end') return null;
  return { replid: resync.replid, offset: resync.offset, snapshotFrom: resync.pos, streamFrom: end.pos, framing: begin.framing };
}

/** Adds the link's complete stream frames from direction position `from` (at replication `offset`) past what the recording has. */
function append(recording: Recording, bytes: LinkBytes, from: number, offset: number): void {
  let last = offset;
  let commands = 0;
  for (const e of bytes.events) {
    if (e.type === 'command' || e.type === 'ping' || e.type === 'getack') {
      if (e.offset <= recording.endOffset) continue;
      last = Math.max(last, e.offset);
      if (e.type === 'command') commands++;
    }
  }
  if (last <= recording.endOffset) return;
  const skip = recording.endOffset - offset;
  recording.stream.push(...slice(bytes, from + skip, from + (last - offset)));
  recording.endOffset = last;
  recording.commands += commands;
}

/** The raw bytes of a link between two direction positions, cut out of its chunks without copying. */
function slice(bytes: LinkBytes, from: number, to: number): TimedBytes[] {
  const out: TimedBytes[] = [];
  for (const { pos, t, data } of bytes.raw) {
    const start = Math.max(from, pos);
    const end = Math.min(to, pos + data.length);
    if (start < end) out.push({ t, data: data.subarray(start - pos, end - pos) });
  }
  return out;
}
