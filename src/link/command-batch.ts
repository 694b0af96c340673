import type { CommandName } from '../resp/command-names.js';
import type { CommandBatchEvent, LinkEvent } from './events.js';
import { StreamCommands } from './stream-commands.js';

/** A `command-batch` whose columns do not agree with each other. */
export class CommandBatchError extends Error {
  override readonly name = 'CommandBatchError';
}

/** The columns of a batch being gathered. */
type Gathering = Pick<CommandBatchEvent, 'names' | 'kinds' | 'sizes' | 'argcs'>;

/** Gathers what each frame of a chunk is into a `command-batch`, column by column (see CommandBatchEvent). */
export class CommandBatcher {
  private batch: Gathering = { names: [], kinds: [], sizes: [], argcs: [] };
  /** The last name added and its index in `names`: a stream repeats a name many times in a row. */
  private lastName: CommandName | null = null;
  private lastKind = -1;

  /** A frame: its name (null for a newline), size and argument count. */
  add(name: CommandName | null, size: number, argc: number): void {
    const b = this.batch;
    b.kinds.push(name === null ? -1 : this.kindOf(name));
    b.sizes.push(size);
    b.argcs.push(argc);
  }

  /** The batch of the frames added since the last call: where its last frame ends (`pos`, `offset`), the state at its first (`db`, `tx`). */
  take(t: number, link: number, pos: number, offset: number, db: number | null, tx: boolean): CommandBatchEvent {
    const { names, kinds, sizes, argcs } = this.batch;
    this.batch = { names: [], kinds: [], sizes: [], argcs: [] };
    this.lastName = null;
    return { type: 'command-batch', t, link, pos, offset, db, tx, count: kinds.length, names, kinds, sizes, argcs };
  }

  private kindOf(name: CommandName): number {
    if (name === this.lastName) return this.lastKind;
    const names = this.batch.names;
    let kind = names.indexOf(name.lower);
    if (kind === -1) kind = names.push(name.lower) - 1;
    this.lastName = name;
    this.lastKind = kind;
    return kind;
  }
}

/**
 * The events a `command-batch` stands for, in order; throws CommandBatchError when its columns do
 * not agree (a corrupt trace).
 */
export function expandCommandBatch(batch: CommandBatchEvent): LinkEvent[] {
  const { count, names, kinds, sizes, argcs } = batch;
  const problem = columnsProblem(batch);
  if (problem !== null) throw new CommandBatchError(`command batch of link ${batch.link} ending at offset ${batch.offset}: ${problem}`);
  const commands = new StreamCommands(false);
  commands.reset(batch.db, batch.tx);
  let bytes = 0;
  for (let i = 0; i < count; i++) bytes += sizes[i]!;
  // Offsets and positions count on from the batch's start, which its end and sizes give.
  let offset = batch.offset - bytes;
  let pos = batch.pos - bytes;
  const out: LinkEvent[] = new Array<LinkEvent>(count);
  for (let i = 0; i < count; i++) {
    offset += sizes[i]!;
    pos += sizes[i]!;
    const kind = kinds[i]!;
    out[i] = commands.batched(kind === -1 ? null : names[kind]!, sizes[i]!, argcs[i]!, batch.t, batch.link, offset, pos);
  }
  return out;
}

function columnsProblem(batch: CommandBatchEvent): string | null {
  const { count, names, kinds, sizes, argcs } = batch;
  if (!Number.isSafeInteger(count) || count < 0) return `invalid count ${String(count)}`;
  if (!Array.isArray(names) || !names.every((n) => typeof n === 'string')) return 'its names are not a list of strings';
  for (const [column, values] of [['kinds', kinds], ['sizes', sizes], ['argcs', argcs]] as const) {
    if (!Array.isArray(values) || values.length !== count) return `its ${column} column does not hold ${count} entries`;
  }
  for (let i = 0; i < count; i++) {
    const kind = kinds[i]!;
    const newline = kind === -1;
    if (!Number.isInteger(kind) || kind < -1 || kind >= names.length) return `frame ${i} names command ${String(kind)} of ${names.length}`;
    if (!Number.isSafeInteger(sizes[i]) || sizes[i]! < 1) return `frame ${i} has size ${String(sizes[i])}`;
    if (!Number.isSafeInteger(argcs[i]) || (newline ? argcs[i] !== 0 : argcs[i]! < 1)) return `frame ${i} has ${String(argcs[i])} arguments`;
  }
  return null;
}
