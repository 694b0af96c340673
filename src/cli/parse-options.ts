import { InvalidArgumentError } from 'commander';
import type { RecordLevel } from '../link/events.js';

/** Parses a whole number option, at least `min`; commander reports the message and exits 2. */
export function parseInteger(value: string, name: string, min = 0): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`${name} takes a whole number, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < min) throw new InvalidArgumentError(`${name} must be at least ${min}, got ${n}`);
  return n;
}

export const RECORD_LEVELS: readonly RecordLevel[] = ['meta', 'commands', 'full'];
