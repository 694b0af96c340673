import { InvalidArgumentError } from 'commander';
import { LINK_EVENT_TYPES, type RecordLevel } from '../link/events.js';

/** Parses a whole number option, at least `min`; commander reports the message and exits 2. */
export function parseInteger(value: string, name: string, min = 0): number {
  if (!/^-?\d+$/.test(value.trim())) throw new InvalidArgumentError(`${name} takes a whole number, got ${JSON.stringify(value)}`);
  const n = Number(value);
  if (n < min) throw new InvalidArgumentError(`${name} must be at least ${min}, got ${n}`);
  return n;
}

export const RECORD_LEVELS: readonly RecordLevel[] = ['meta', 'commands', 'full'];

const DURATION_UNITS: Record<string, number> = { ms: 1, s: 1000, m: 60_000, h: 3_600_000 };

/** Parses `30s`, `500ms`, `5m`, `1h` or a bare number of seconds into milliseconds. */
export function parseDuration(value: string, name: string): number {
  const match = /^(\d+(?:\.\d+)?)(ms|s|m|h)?$/.exec(value.trim());
  if (!match) throw new InvalidArgumentError(`${name} takes a duration such as 30s, 500ms, 5m or 1h, got ${JSON.stringify(value)}`);
  const ms = Number(match[1]) * DURATION_UNITS[match[2] ?? 's']!;
  if (ms <= 0) throw new InvalidArgumentError(`${name} must be more than 0`);
  return ms;
}

/** Resolves on SIGINT or SIGTERM, with the signal's name. */
export function untilSignal(): Promise<string> {
  return new Promise((resolve) => {
    process.once('SIGINT', () => resolve('SIGINT'));
    process.once('SIGTERM', () => resolve('SIGTERM'));
  });
}

/**
 * A parser for a variadic `--type` option: each name must be an event type (or one of `extra`),
 * so that a typo is an error instead of a filter that lets nothing through.
 */
export function eventTypes(extra: readonly string[] = []): (value: string, previous: string[] | undefined) => string[] {
  const known = [...LINK_EVENT_TYPES, ...extra];
  return (value, previous) => {
    if (!known.includes(value)) throw new InvalidArgumentError(`unknown type ${JSON.stringify(value)}; one of: ${known.join(', ')}`);
    return [...(previous ?? []), value];
  };
}
