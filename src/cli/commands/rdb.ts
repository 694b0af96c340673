import { closeSync, openSync, readSync, statSync } from 'node:fs';
import { InvalidArgumentError, type Command } from 'commander';
import { formatBytes } from '../../link/describe.js';
import { RdbFormatError } from '../../rdb/errors.js';
import type { RdbEvent, RdbKey, RdbValueType } from '../../rdb/events.js';
import { DEFAULT_MAX_VALUE_BYTES, RdbDecoder } from '../../rdb/rdb-decoder.js';
import { RdbSummaryBuilder, type RdbSummary } from '../../rdb/summary.js';
import { UsageError } from '../../errors.js';
import { EXIT } from '../exit-codes.js';
import { checksumInWorker, checksumOfPrefix } from '../file-checksum.js';
import { writeOut } from '../output.js';
import { parseInteger } from '../parse-options.js';
import { keyToJson } from '../rdb-json.js';
import { counted } from '../../counted.js';

interface RdbOptions {
  json?: boolean;
  summary?: boolean;
  db?: number[];
  type?: RdbValueType[];
  key?: string;
  maxValueBytes: number;
}

const VALUE_TYPES: readonly RdbValueType[] = ['string', 'list', 'set', 'zset', 'hash', 'stream', 'module'];
const OUTPUT_BLOCK = 64 * 1024;

export function registerRdb(program: Command): void {
  program
    .command('rdb')
    .description('decode an RDB file: a summary, or every key as JSON lines')
    .argument('<file>', 'the RDB file, or - for standard input')
    .option('--json', 'one JSON object per key: db, key, type, encoding, expiry, value (binary strings as {"base64": ...})')
    .option('--summary', 'with --json: only the summary, as one JSON object')
    .option('--db <n...>', 'only these databases', (v, prev: number[] = []) => [...prev, parseInteger(v, '--db')])
    .option('--type <type...>', `only these types (${VALUE_TYPES.join(', ')})`, (v, prev: RdbValueType[] = []) => {
      if (!VALUE_TYPES.includes(v as RdbValueType)) throw new InvalidArgumentError(`--type must be one of ${VALUE_TYPES.join(', ')}, got ${JSON.stringify(v)}`);
      return [...prev, v as RdbValueType];
    })
    .option('--key <glob>', 'only keys matching this glob (Redis KEYS syntax: * ? [abc] [^a] \\x)')
    .option('--max-value-bytes <n>', 'values larger than this are reported with size and SHA-256, not decoded', (v) => parseInteger(v, '--max-value-bytes', 1024), DEFAULT_MAX_VALUE_BYTES)
    .addHelpText('after', '\nExit status: 0 a valid file; 2 a corrupt or truncated file or a checksum mismatch (what was decoded before the fault is printed, then where and why on stderr).')
    .action(async (file: string, options: RdbOptions) => rdb(file, options));
}

/** Redis glob (stringmatchlen) as a RegExp over the key's latin-1 text. */
export function globToRegExp(glob: string): RegExp {
  let out = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*') out += '[\\s\\S]*';
    else if (c === '?') out += '[\\s\\S]';
    else if (c === '\\' && i + 1 < glob.length) out += escape(glob[++i]!);
    else if (c === '[') {
      const close = glob.indexOf(']', i + 1);
      if (close === -1) out += '\\[';
      else {
        let body = glob.slice(i + 1, close);
        const negate = body.startsWith('^');
        if (negate) body = body.slice(1);
        out += `[${negate ? '^' : ''}${body.replace(/[\\\]]/g, '\\$&')}]`;
        i = close;
      }
    } else out += escape(c);
  }
  return new RegExp(`^${out}$`);
}

function escape(c: string): string {
  return c.replace(/[.*+?^${}()|[\]\\/]/g, '\\$&');
}

async function rdb(file: string, options: RdbOptions): Promise<void> {
  if (options.summary && !options.json) throw new UsageError('--summary goes with --json (without --json the summary is what is shown)');
  const keyPattern = options.key === undefined ? null : globToRegExp(options.key);
  const dbs = options.db ? new Set(options.db) : null;
  const types = options.type ? new Set(options.type) : null;
  const selected = (k: RdbKey): boolean =>
    (dbs === null || dbs.has(k.db)) && (types === null || types.has(k.valueType)) && (keyPattern === null || keyPattern.test(Buffer.from(k.key).toString('latin1')));
  const filtered = dbs !== null || types !== null || keyPattern !== null;

  const builder = new RdbSummaryBuilder();
  const summaryOnly = !options.json || Boolean(options.summary);
  // A summary with no key filter needs no key events: the decoder counts straight into the builder.
  // A file's checksum is computed in a worker thread alongside the decoding (a second pass only
  // when the RDB does not end where the file does). Small files and stdin are checked in line.
  const size = file === '-' ? null : fileSize(file);
  const parallel = size !== null && size >= PARALLEL_CHECKSUM_BYTES ? checksumInWorker(file, size - 8) : null;
  const decoder = new RdbDecoder({
    verifyChecksum: parallel === null,
    values: !summaryOnly,
    maxValueBytes: options.maxValueBytes,
    ...(summaryOnly && !filtered ? { sink: builder } : {}),
  });
  let out = '';
  const take = async (events: RdbEvent[]): Promise<void> => {
    for (const event of events) {
      if (event.type === 'key' && !selected(event)) continue;
      builder.add(event);
      if (event.type === 'key' && options.json && !options.summary) out += `${keyToJson(event)}\n`;
    }
    if (out.length > OUTPUT_BLOCK) {
      await writeOut(out);
      out = '';
    }
  };

  // Smaller reads when every value is materialised and rendered: fewer live at once.
  const readBytes = summaryOnly ? 256 * 1024 : 64 * 1024;
  let failure: string | null = null;
  try {
    for await (const chunk of file === '-' ? process.stdin : fileChunks(file, readBytes)) await take(decoder.feed(chunk as Buffer));
    await take(decoder.end());
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (error instanceof RdbFormatError) {
      await take(error.events);
      failure = `${file}: ${error.message}`;
    }
    else if (code === 'ENOENT') throw new UsageError(`${file}: no such file`);
    else if (code === 'EISDIR' || code === 'EACCES') throw new UsageError(`${file}: cannot read it (${code})`);
    else throw error;
  }
  if (parallel !== null) {
    if (failure === null && builder.summary.checksum === 'unchecked') {
      const end = builder.summary.bytes ?? 0;
      builder.settleChecksum((end === size ? await parallel.result : null) ?? checksumOfPrefix(file, end - 8));
    }
    await parallel.cancel();
  }
  const summary = builder.summary;
  // A file refused at its header is not an RDB: a summary of it would be all blanks.
  const decodedAny = failure === null || summary.rdbVersion !== null;
  if (options.json && options.summary && decodedAny) out += `${JSON.stringify(summary)}\n`;
  else if (!options.json && decodedAny) out += renderSummary(file, summary, filtered, decoder.trailingBytes);
  await writeOut(out);
  if (failure === null && summary.checksum === 'mismatch') {
    failure = `${file}: checksum mismatch: the file stores ${summary.storedChecksum}, its content gives ${summary.computedChecksum} (the file is corrupt)`;
  }
  if (failure !== null) {
    process.stderr.write(`repltap: ${failure}\n`);
    process.exitCode = EXIT.usage;
  }
}

function counts(record: Record<string, number>): string {
  return Object.entries(record)
    .sort((a, b) => b[1] - a[1])
    .map(([name, n]) => `${name} ${n}`)
    .join(', ');
}

function renderSummary(file: string, s: RdbSummary, filtered: boolean, trailing: number): string {
  const lines: string[] = [];
  const size = s.bytes === null ? '' : `, ${formatBytes(s.bytes)}`;
  lines.push(`${file}: ${s.format === 'valkey' ? 'Valkey' : 'Redis'} RDB version ${s.rdbVersion ?? '?'}${size}`);
  for (const [key, value] of Object.entries(s.aux)) lines.push(`  aux ${key.padEnd(15)} ${key === 'lua' ? `(${counted(value.length, 'byte')} of Lua)` : value}`);
  lines.push(`  keys         ${s.keys}${filtered ? ' (matching the filters)' : ''}, ${s.expires} with an expiry${s.emptyKeys ? `, ${s.emptyKeys} empty (Redis skips them on load)` : ''}`);
  for (const [db, d] of Object.entries(s.dbs)) lines.push(`  db ${db.padEnd(9)} ${counted(d.keys, 'key')} (${counts(d.types)}), ${d.expires} with an expiry`);
  if (Object.keys(s.encodings).length > 0) lines.push(`  encodings    ${counts(s.encodings)}`);
  if (s.functions > 0) lines.push(`  functions    ${s.functions} librar${s.functions === 1 ? 'y' : 'ies'}`);
  for (const m of s.moduleAux) lines.push(`  module aux   ${m.module}, ${m.when === 1 ? 'before' : 'after'} the keyspace, ${counted(m.bytes, 'byte')}`);
  if (s.slotInfo > 0) lines.push(`  slot info    ${counted(s.slotInfo, 'record')}`);
  const checksum = {
    ok: `ok (${s.computedChecksum})`,
    mismatch: `MISMATCH: stored ${s.storedChecksum}, computed ${s.computedChecksum}`,
    disabled: 'disabled (zero: saved with rdbchecksum no)',
    absent: 'none (RDB older than version 5)',
    unchecked: `${s.storedChecksum} (not verified)`,
  };
  lines.push(`  checksum     ${s.checksum === null ? 'not reached' : checksum[s.checksum]}`);
  if (trailing > 0) lines.push(`  note         ${counted(trailing, 'byte')} after the checksum ${trailing === 1 ? 'was' : 'were'} ignored`);
  return `${lines.join('\n')}\n`;
}

/** Files at least this large get their checksum computed in a worker thread. */
const PARALLEL_CHECKSUM_BYTES = 4 * 1024 * 1024;

/** The size of a regular file, or null (a pipe, a missing file: the read reports it). */
function fileSize(path: string): number | null {
  try {
    const stat = statSync(path);
    return stat.isFile() ? stat.size : null;
  } catch {
    return null;
  }
}

/**
 * A regular file's bytes, read synchronously: the decoder is the only thing waiting for them, and
 * a read stream's round trips through the thread pool left the main thread idle a sixth of the time.
 * Each chunk is a fresh buffer (the decoder may hold on to it).
 */
function* fileChunks(path: string, bytes: number): Generator<Buffer> {
  const fd = openSync(path, 'r');
  try {
    for (;;) {
      const chunk = Buffer.allocUnsafe(bytes);
      const n = readSync(fd, chunk, 0, bytes, null);
      if (n === 0) return;
      yield n === bytes ? chunk : chunk.subarray(0, n);
    }
  } finally {
    closeSync(fd);
  }
}
