/** What a field of a record must hold for repltap's readers to use it. */
type FieldKind = 'number' | 'number?' | 'string' | 'string?' | 'bin' | 'dir' | 'bytes' | 'bytes?' | 'array';

/**
 * The fields of each record type that repltap's readers rely on, as docs/trace-format.md gives
 * them. Types not listed are passed over by readers (later versions add them), as are extra keys.
 */
const REQUIRED: Record<string, Record<string, FieldKind>> = {
  'link-open': { replica: 'string', master: 'string' },
  handshake: { dir: 'dir', pos: 'number' },
  psync: { replid: 'string', offset: 'number', pos: 'number' },
  sync: { pos: 'number' },
  fullresync: { replid: 'string', offset: 'number', pos: 'number' },
  continue: { replid: 'string?', offset: 'number?', pos: 'number' },
  endoff: { offset: 'number', replid: 'string', pos: 'number' },
  'rdb-begin': { framing: 'string', length: 'number?', pos: 'number' },
  'rdb-end': { bytes: 'number', rdbVersion: 'number?', pos: 'number?' },
  'rdb-aux': { key: 'string', value: 'string' },
  'rdb-key': { db: 'number', key: 'bin', valueType: 'string' },
  command: { offset: 'number', size: 'number', name: 'string', argc: 'number' },
  ping: { offset: 'number', size: 'number' },
  getack: { offset: 'number', size: 'number' },
  ack: { offset: 'number', pos: 'number' },
  keepalive: { dir: 'dir', pos: 'number' },
  'decode-error': { dir: 'dir', at: 'number', message: 'string' },
  fault: { id: 'string', action: 'string', phase: 'string', detail: 'string', offset: 'number?' },
  'link-close': { reason: 'string', phase: 'string', bytes: 'bytes', forwarded: 'bytes?' },
  raw: { dir: 'dir', pos: 'number', data: 'bin' },
  'command-run': { pos: 'number', offset: 'number', count: 'number' },
  'command-batch': { pos: 'number', offset: 'number', count: 'number', names: 'array', kinds: 'array', sizes: 'array', argcs: 'array' },
  'rdb-keys': { count: 'number' },
};

const DESCRIBE: Record<FieldKind, string> = {
  number: 'a number',
  'number?': 'a number or nil',
  string: 'a string',
  'string?': 'a string or nil',
  bin: 'binary',
  dir: '"m2r" or "r2m"',
  bytes: 'a map {m2r, r2m} of numbers',
  'bytes?': 'a map {m2r, r2m} of numbers, or absent',
  array: 'an array',
};

function holds(kind: FieldKind, value: unknown): boolean {
  switch (kind) {
    case 'number':
      return typeof value === 'number';
    case 'number?':
      return value === null || value === undefined || typeof value === 'number';
    case 'string':
      return typeof value === 'string';
    case 'string?':
      return value === null || value === undefined || typeof value === 'string';
    case 'bin':
      return value instanceof Uint8Array;
    case 'dir':
      return value === 'm2r' || value === 'r2m';
    case 'bytes': {
      const bytes = value as { m2r?: unknown; r2m?: unknown } | null;
      return typeof bytes === 'object' && bytes !== null && typeof bytes.m2r === 'number' && typeof bytes.r2m === 'number';
    }
    case 'bytes?':
      return value === undefined || holds('bytes', value);
    case 'array':
      return Array.isArray(value);
  }
}

/** What is wrong with a stored record (not a record, or a field of a known type missing or of the wrong kind), or null. */
export function recordProblem(record: unknown): string | null {
  if (typeof record !== 'object' || record === null || Array.isArray(record) || record instanceof Uint8Array) return `a value that is not a record (${typeof record})`;
  const fields = record as Record<string, unknown>;
  if (typeof fields.type !== 'string') return 'a record without a string `type`';
  const required = REQUIRED[fields.type];
  if (required === undefined) return null;
  if (typeof fields.t !== 'number' || typeof fields.link !== 'number') return `a record of type ${fields.type} without a numeric \`t\` and \`link\``;
  for (const name in required) {
    const kind = required[name]!;
    if (!holds(kind, fields[name])) return `a record of type ${fields.type} whose \`${name}\` is not ${DESCRIBE[kind]}`;
  }
  return null;
}
