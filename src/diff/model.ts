import type { LinkEvent, RecordLevel } from '../link/events.js';
import { printable, printableCommand } from '../resp/printable.js';
import { rdbDepthOf, type TraceHeader, type TraceRecord } from '../trace/format.js';
import { counted } from '../counted.js';

/** What `diff` may be told to overlook, beyond what always changes between runs. */
export interface DiffOptions {
  /** Compare RDB keys without their encodings (listpack vs hashtable, ...). */
  ignoreEncodings?: boolean;
  /** Compare the commands inside each MULTI ... EXEC as a set, not a sequence. */
  ignoreTxOrder?: boolean;
  /** Leave these commands out of the stream (lowercase names). */
  ignoreCommands?: string[];
}

export interface RdbEntry {
  /** `db0 key` as people read it. */
  name: string;
  /** Type, encoding, expiry presence and value, as compared. */
  text: string;
}

/**
 * The parts of a trace that should be the same when the same workload runs again: replids,
 * absolute offsets, times, aux fields, keep-alives and ACK timing are left out on purpose.
 */
export interface TraceModel {
  record: RecordLevel;
  handshake: string[];
  syncs: string[];
  /** Keys of the first complete RDB, by `db\0key`. */
  rdb: Map<string, RdbEntry>;
  /** Whether the RDB's keys were recorded (`--rdb keys` or `values`, the default at `commands` and `full`). */
  rdbKeys: boolean;
  /** Whether the RDB's values were recorded (`--rdb values`, the default at `--record full`). */
  rdbValues: boolean;
  commands: string[];
}

/** Reads the records of one trace into its model; `recorded` is what its header says was kept. */
export function buildModel(recorded: Pick<TraceHeader, 'record' | 'rdb'>, records: Iterable<TraceRecord>, options: DiffOptions = {}): TraceModel {
  const record = recorded.record;
  const rdb = rdbDepthOf(recorded);
  const model: TraceModel = { record, handshake: [], syncs: [], rdb: new Map(), rdbKeys: rdb === 'keys' || rdb === 'values', rdbValues: rdb === 'values', commands: [] };
  const ignored = new Set(options.ignoreCommands ?? []);
  const pending = new Map<number, string[]>();
  let rdbDone = false;
  let inRdb = false;
  let lastOffset = -1;
  let tx: string[] | null = null;
  const linkNumbers = new Map<number, number>();
  const linkName = (link: number): string => {
    if (!linkNumbers.has(link)) linkNumbers.set(link, linkNumbers.size + 1);
    return `link ${linkNumbers.get(link)!}`;
  };
  for (const r of records) {
    if (r.type === 'raw') continue;
    const event: LinkEvent = r;
    switch (event.type) {
      case 'handshake':
        if (event.dir === 'r2m') {
          const list = pending.get(event.link) ?? [];
          list.push(normalizeCommand(event.command));
          pending.set(event.link, list);
        } else {
          const command = pending.get(event.link)?.shift() ?? '(unsolicited)';
          model.handshake.push(`${linkName(event.link)}: ${command} → ${event.reply}`);
        }
        break;
      case 'psync':
        pending.get(event.link)?.pop();
        break;
      case 'fullresync':
        model.syncs.push(`${linkName(event.link)}: full resync`);
        break;
      case 'continue':
        model.syncs.push(`${linkName(event.link)}: partial resync`);
        break;
      case 'rdb-begin':
        inRdb = !rdbDone;
        break;
      case 'rdb-key':
        if (inRdb) model.rdb.set(`${event.db}\0${Buffer.from(event.key).toString('latin1')}`, rdbEntry(event, options));
        break;
      case 'rdb-end':
        if (inRdb) rdbDone = true;
        inRdb = false;
        break;
      case 'command': {
        // A later link resumes where an earlier one stopped: frames already seen are not repeated.
        if (event.offset <= lastOffset) break;
        lastOffset = event.offset;
        if (ignored.has(event.name)) break;
        const text = `${event.db === null ? '' : `db${event.db} `}${event.name}${event.args ? ` ${printableCommand(event.args)}` : ''}`;
        if (options.ignoreTxOrder && event.name === 'multi') tx = [text];
        else if (tx !== null) {
          tx.push(text);
          if (event.name === 'exec') {
            model.commands.push(tx[0]!, ...tx.slice(1, -1).sort(), text);
            tx = null;
          }
        } else model.commands.push(text);
        break;
      }
      case 'link-close':
        for (const command of pending.get(event.link)?.splice(0) ?? []) model.handshake.push(`${linkName(event.link)}: ${command} → (no reply)`);
        break;
    }
  }
  if (tx !== null) model.commands.push(...tx);
  return model;
}

/** Handshake commands without what differs run to run: the listening port, PSYNC's replid and offset. */
function normalizeCommand(command: string): string {
  return command
    .replace(/^(REPLCONF listening-port) \d+/i, '$1 <port>')
    .replace(/^(PSYNC) (?!\? -1)\S+ -?\d+$/i, '$1 <replid> <offset>');
}

function rdbEntry(event: Extract<LinkEvent, { type: 'rdb-key' }>, options: DiffOptions): RdbEntry {
  const name = `db${event.db} ${printable(event.key)}`;
  const encoding = options.ignoreEncodings ? '' : `/${event.encoding}`;
  const expiry = event.expiry === null ? '' : ' (with expiry)';
  const value = event.value === undefined ? counted(event.length, 'element') : canonical(event.valueType, event.value);
  return { name, text: `${event.valueType}${encoding}${expiry} = ${value}` };
}

/**
 * A value as comparable text: elements of sets, hashes and sorted sets sorted (their order in an
 * RDB follows the server's hash seed, which changes run to run), lists and streams as they are.
 */
function canonical(type: string, value: unknown): string {
  if (value instanceof Uint8Array) return printable(value);
  if (Array.isArray(value)) {
    const items = value.map((item) => render(item));
    if (type === 'set' || type === 'hash' || type === 'zset') items.sort();
    return `[${items.join(', ')}]`;
  }
  return render(value);
}

function render(value: unknown): string {
  if (value instanceof Uint8Array) return printable(value);
  if (Array.isArray(value)) return `[${value.map(render).join(', ')}]`;
  if (typeof value === 'object' && value !== null) {
    return `{${Object.keys(value)
      .sort()
      .map((k) => `${k}: ${render((value as Record<string, unknown>)[k])}`)
      .join(', ')}}`;
  }
  return String(value);
}
