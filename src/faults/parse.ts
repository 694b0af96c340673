import type { Direction } from '../link/events.js';
import { FaultSpecError } from './errors.js';
import { DROPPABLE_FRAMES, FAULT_ACTIONS, FAULT_PHASES, isOneShot, type DroppableFrame, type Fault, type FaultAction, type FaultTrigger } from './spec.js';

type Json = Record<string, unknown>;

const TOP_FIELDS = ['id', 'action', 'direction', 'when', 'params', 'times', 'probability', 'seed'];
const TRIGGER_FIELDS = ['phase', 'afterBytes', 'afterPercent', 'offset', 'afterCommands', 'command', 'afterMs', 'link'];
const PARAM_FIELDS: Record<FaultAction, string[]> = {
  delay: ['ms', 'jitterMs'],
  throttle: ['bytesPerSec'],
  freeze: ['durationMs'],
  disconnect: ['reset'],
  drop: ['frames'],
  'rewrite-psync': ['replid', 'offset'],
  corrupt: ['mask'],
  slice: ['bytes', 'intervalMs'],
};
const REPLID = /^[0-9a-f]{40}$/;

/**
 * Checks a fault specification (parsed JSON from `--fault`, a faults file, the control API or the
 * library) and returns it complete with defaults. Every problem names the field it is in.
 */
export function parseFault(input: unknown, id: string): Fault {
  const spec = object(input, 'spec');
  unknownFields(spec, TOP_FIELDS, '');
  const action = oneOf(spec.action, 'action', FAULT_ACTIONS, true);
  const when = parseTrigger(spec.when === undefined ? {} : object(spec.when, 'when'));
  const paramsJson = spec.params === undefined ? {} : object(spec.params, 'params');
  unknownFields(paramsJson, PARAM_FIELDS[action], 'params.');
  const base = {
    id: spec.id === undefined ? id : text(spec.id, 'id'),
    direction: parseDirection(spec.direction, action, paramsJson),
    when,
    times: spec.times === undefined || spec.times === null ? (isOneShot(action) ? 1 : null) : integer(spec.times, 'times', 1),
    probability: spec.probability === undefined ? 1 : fraction(spec.probability, 'probability'),
    seed: spec.seed === undefined ? 1 : integer(spec.seed, 'seed', 0),
  };
  const fault = withParams(action, base, paramsJson);
  checkCombination(fault);
  return fault;
}

function withParams(action: FaultAction, base: Omit<Fault, 'action' | 'params'>, p: Json): Fault {
  switch (action) {
    case 'delay':
      return { ...base, action, params: { ms: integer(required(p.ms, 'params.ms'), 'params.ms', 0), jitterMs: p.jitterMs === undefined ? 0 : integer(p.jitterMs, 'params.jitterMs', 0) } };
    case 'throttle':
      return { ...base, action, params: { bytesPerSec: integer(required(p.bytesPerSec, 'params.bytesPerSec'), 'params.bytesPerSec', 1) } };
    case 'freeze':
      return { ...base, action, params: { durationMs: p.durationMs === undefined || p.durationMs === null ? null : integer(p.durationMs, 'params.durationMs', 1) } };
    case 'disconnect':
      return { ...base, action, params: { reset: p.reset === undefined ? false : flag(p.reset, 'params.reset') } };
    case 'drop':
      return { ...base, action, params: { frames: dropFrames(required(p.frames, 'params.frames')) } };
    case 'rewrite-psync': {
      const replid = p.replid === undefined ? null : text(p.replid, 'params.replid');
      if (replid !== null && replid !== '?' && !REPLID.test(replid)) throw new FaultSpecError('params.replid', `expected "?" or 40 lowercase hex characters, got ${JSON.stringify(replid)}`);
      const offset = p.offset === undefined ? null : integer(p.offset, 'params.offset', -1);
      if ((replid === null) !== (offset === null)) throw new FaultSpecError(replid === null ? 'params.replid' : 'params.offset', 'give both params.replid and params.offset, or neither (for PSYNC ? -1)');
      return { ...base, action, params: { replid, offset } };
    }
    case 'corrupt': {
      const mask = p.mask === undefined ? 0xff : integer(p.mask, 'params.mask', 1);
      if (mask > 0xff) throw new FaultSpecError('params.mask', `a byte mask is 1 to 255, got ${mask}`);
      return { ...base, action, params: { mask } };
    }
    case 'slice':
      return { ...base, action, params: { bytes: integer(required(p.bytes, 'params.bytes'), 'params.bytes', 1), intervalMs: p.intervalMs === undefined ? 0 : integer(p.intervalMs, 'params.intervalMs', 0) } };
  }
}

function parseTrigger(json: Json): FaultTrigger {
  unknownFields(json, TRIGGER_FIELDS, 'when.');
  const when: FaultTrigger = {};
  if (json.phase !== undefined) when.phase = oneOf(json.phase, 'when.phase', FAULT_PHASES, false);
  if (json.afterBytes !== undefined) when.afterBytes = integer(json.afterBytes, 'when.afterBytes', 0);
  if (json.afterPercent !== undefined) {
    const percent = number(json.afterPercent, 'when.afterPercent');
    if (percent < 0 || percent > 100) throw new FaultSpecError('when.afterPercent', `expected 0 to 100, got ${percent}`);
    when.afterPercent = percent;
  }
  if (json.offset !== undefined) when.offset = integer(json.offset, 'when.offset', 0);
  if (json.afterCommands !== undefined) when.afterCommands = integer(json.afterCommands, 'when.afterCommands', 1);
  if (json.command !== undefined) when.command = text(json.command, 'when.command').toLowerCase();
  if (json.afterMs !== undefined) when.afterMs = integer(json.afterMs, 'when.afterMs', 0);
  if (json.link !== undefined) when.link = integer(json.link, 'when.link', 1);
  return when;
}

function parseDirection(value: unknown, action: FaultAction, params: Json): Direction | 'both' {
  const firstFrame: unknown = Array.isArray(params.frames) ? (params.frames as unknown[])[0] : params.frames;
  const implied: Direction | null =
    action === 'rewrite-psync' ? 'r2m' : action === 'drop' && typeof firstFrame === 'string' && Object.hasOwn(DROPPABLE_FRAMES, firstFrame) ? DROPPABLE_FRAMES[firstFrame as DroppableFrame] : null;
  if (value === undefined) return implied ?? 'm2r';
  const direction = oneOf(value, 'direction', ['m2r', 'r2m', 'both'] as const, false);
  if (implied !== null && direction !== implied) throw new FaultSpecError('direction', `${action}${action === 'drop' ? ` of ${String(params.frames as unknown[])}` : ''} acts on ${implied} only`);
  return direction;
}

/** Rules that involve more than one field. */
function checkCombination(fault: Fault): void {
  const { when } = fault;
  if (when.afterPercent !== undefined && when.phase !== 'rdb') throw new FaultSpecError('when.afterPercent', 'a percentage is of the RDB payload: add "phase": "rdb" (or use afterBytes)');
  if (when.afterPercent !== undefined && when.afterBytes !== undefined) throw new FaultSpecError('when.afterPercent', 'give afterBytes or afterPercent, not both');
  const streamOnly = when.offset !== undefined ? 'when.offset' : when.afterCommands !== undefined ? 'when.afterCommands' : null;
  if (streamOnly !== null && when.phase !== undefined && when.phase !== 'stream') throw new FaultSpecError(streamOnly, `counts the master's command stream, which never happens in phase ${when.phase}`);
  if (streamOnly !== null && fault.direction === 'r2m') {
    // drop of ACKs and rewrite-psync act on r2m only, so the usual way out (another direction) is closed to them.
    const r2mOnly = fault.action === 'drop' ? 'a drop of ACKs' : fault.action === 'rewrite-psync' ? 'rewrite-psync' : null;
    throw new FaultSpecError(
      streamOnly,
      r2mOnly === null
        ? 'counts the master\'s command stream (m2r): use direction "m2r" or "both"'
        : `counts the master's command stream (m2r), and ${r2mOnly} acts on r2m only: trigger it with afterMs or a phase, or add it once the stream has got there (POST /faults, repltap ctl faults add)`,
    );
  }
  if (fault.action === 'corrupt' && fault.direction === 'both') throw new FaultSpecError('direction', 'corrupt flips one byte of one direction: use "m2r" or "r2m"');
  if (fault.action === 'drop' && new Set(fault.params.frames.map((f) => DROPPABLE_FRAMES[f])).size > 1) throw new FaultSpecError('params.frames', 'ack travels r2m, getack and ping m2r: use one fault per direction');
}

function dropFrames(value: unknown): DroppableFrame[] {
  const list = Array.isArray(value) ? (value as unknown[]) : [value];
  if (list.length === 0) throw new FaultSpecError('params.frames', 'name at least one of ack, getack, ping');
  return list.map((v, i) => oneOf(v, `params.frames[${i}]`, Object.keys(DROPPABLE_FRAMES) as DroppableFrame[], false));
}

function object(value: unknown, field: string): Json {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) throw new FaultSpecError(field, `expected a JSON object, got ${describe(value)}`);
  return value as Json;
}

function unknownFields(json: Json, known: string[], prefix: string): void {
  for (const key of Object.keys(json)) {
    if (!known.includes(key)) throw new FaultSpecError(prefix + key, `unknown field; expected one of ${known.join(', ')}`);
  }
}

function required(value: unknown, field: string): unknown {
  if (value === undefined) throw new FaultSpecError(field, 'is required');
  return value;
}

function oneOf<T extends string>(value: unknown, field: string, allowed: readonly T[], isRequired: boolean): T {
  if (value === undefined && isRequired) throw new FaultSpecError(field, `is required: one of ${allowed.join(', ')}`);
  if (typeof value !== 'string' || !(allowed as readonly string[]).includes(value)) throw new FaultSpecError(field, `expected one of ${allowed.join(', ')}, got ${describe(value)}`);
  return value as T;
}

function number(value: unknown, field: string): number {
  if (typeof value !== 'number' || !Number.isFinite(value)) throw new FaultSpecError(field, `expected a number, got ${describe(value)}`);
  return value;
}

function integer(value: unknown, field: string, min: number): number {
  const n = number(value, field);
  if (!Number.isSafeInteger(n)) throw new FaultSpecError(field, `expected a whole number, got ${n}`);
  if (n < min) throw new FaultSpecError(field, `must be ${min} or more, got ${n}`);
  return n;
}

function fraction(value: unknown, field: string): number {
  const n = number(value, field);
  if (n < 0 || n > 1) throw new FaultSpecError(field, `expected a probability from 0 to 1, got ${n}`);
  return n;
}

function text(value: unknown, field: string): string {
  if (typeof value !== 'string' || value.length === 0) throw new FaultSpecError(field, `expected a non-empty string, got ${describe(value)}`);
  return value;
}

function flag(value: unknown, field: string): boolean {
  if (typeof value !== 'boolean') throw new FaultSpecError(field, `expected true or false, got ${describe(value)}`);
  return value;
}

function describe(value: unknown): string {
  if (value === undefined) return 'nothing';
  if (value === null) return 'null';
  if (Array.isArray(value)) return 'an array';
  if (typeof value === 'object') return 'an object';
  return `${typeof value} ${JSON.stringify(value)}`;
}
