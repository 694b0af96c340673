import { diffSequences, type Edit } from './sequence.js';
import type { TraceModel } from './model.js';

/** Lines of context around each change in the text output. */
const CONTEXT = 3;

export type SectionName = 'handshake' | 'syncs' | 'rdb' | 'stream';

export interface Change {
  op: '-' | '+';
  text: string;
  /** Position in its trace's sequence, from 1 (handshake, syncs, stream). */
  index?: number;
  /** The key, for RDB changes. */
  key?: string;
}

export interface SectionDiff {
  section: SectionName;
  changes: Change[];
  /** Every line with its kind, for rendering hunks (sequences only). */
  edits: Edit[];
}

export interface TraceDiff {
  equal: boolean;
  sections: SectionDiff[];
  /** What could not be compared (a trace recorded with less detail). */
  notes: string[];
}

/** Compares two trace models: sequences line by line, the RDB key by key. */
export function diffModels(a: TraceModel, b: TraceModel): TraceDiff {
  const notes: string[] = [];
  const sections: SectionDiff[] = [];
  for (const [section, left, right] of [
    ['handshake', a.handshake, b.handshake],
    ['syncs', a.syncs, b.syncs],
  ] as const) {
    sections.push(sequenceSection(section, left, right));
  }
  const keys = a.rdbKeys && b.rdbKeys;
  const values = a.rdbValues && b.rdbValues;
  if (!keys) notes.push('RDB keys were not compared: a trace holds none (--record meta, or --rdb summary or none)');
  else if (a.rdbValues !== b.rdbValues) notes.push('RDB values were not compared: one trace holds none (below --record full, or --rdb keys); types, encodings and lengths were');
  if (a.record === 'meta' || b.record === 'meta') notes.push('command arguments were not compared: a trace was recorded at --record meta');
  if (keys) sections.push(rdbSection(a, b, values));
  sections.push(sequenceSection('stream', a.commands, b.commands));
  const changed = sections.filter((s) => s.changes.length > 0);
  return { equal: changed.length === 0, sections: changed, notes };
}

function sequenceSection(section: SectionName, a: readonly string[], b: readonly string[]): SectionDiff {
  const edits = diffSequences(a, b);
  const changes: Change[] = edits.filter((e) => e.op !== ' ').map((e) => ({ op: e.op as '-' | '+', text: e.text, index: e.index + 1 }));
  return { section, changes, edits };
}

function rdbSection(a: TraceModel, b: TraceModel, values: boolean): SectionDiff {
  const changes: Change[] = [];
  const strip = (text: string): string => (values ? text : text.replace(/ = .*$/, ''));
  const keys = [...new Set([...a.rdb.keys(), ...b.rdb.keys()])].sort();
  for (const key of keys) {
    const left = a.rdb.get(key);
    const right = b.rdb.get(key);
    if (left && right && strip(left.text) === strip(right.text)) continue;
    if (left) changes.push({ op: '-', text: `${left.name} ${strip(left.text)}`, key: left.name });
    if (right) changes.push({ op: '+', text: `${right.name} ${strip(right.text)}`, key: right.name });
  }
  return { section: 'rdb', changes, edits: [] };
}

/** The diff as unified-diff style text. */
export function renderDiff(diff: TraceDiff, nameA: string, nameB: string): string {
  const lines = [`--- ${nameA}`, `+++ ${nameB}`];
  for (const note of diff.notes) lines.push(`# ${note}`);
  for (const section of diff.sections) {
    if (section.section === 'rdb') {
      const keys = new Set(section.changes.map((c) => c.key)).size;
      lines.push(`@@ rdb: ${keys} key${keys === 1 ? '' : 's'} differ @@`);
      for (const change of section.changes) lines.push(`${change.op}${cut(change.text)}`);
      continue;
    }
    for (const hunk of hunks(section.edits)) {
      const aIndexes = hunk.filter((e) => e.op !== '+').map((e) => e.index + 1);
      const bLines = hunk.filter((e) => e.op === '+').map((e) => e.index + 1);
      const where = section.section === 'stream' ? 'command' : 'line';
      const range = (xs: number[]): string => (xs.length === 0 ? '-' : xs[0] === xs.at(-1) ? `${xs[0]}` : `${xs[0]}-${xs.at(-1)}`);
      lines.push(`@@ ${section.section}: ${where} ${range(aIndexes)}${bLines.length > 0 ? ` (+ ${range(bLines)} in b)` : ''} @@`);
      for (const edit of hunk) lines.push(`${edit.op}${cut(edit.text)}`);
    }
  }
  return `${lines.join('\n')}\n`;
}

/** Groups changes with up to CONTEXT unchanged lines around them, merging groups that touch. */
function hunks(edits: readonly Edit[]): Edit[][] {
  const ranges: [number, number][] = [];
  edits.forEach((edit, i) => {
    if (edit.op === ' ') return;
    const from = Math.max(0, i - CONTEXT);
    const to = Math.min(edits.length, i + CONTEXT + 1);
    const last = ranges.at(-1);
    if (last && from <= last[1]) last[1] = Math.max(last[1], to);
    else ranges.push([from, to]);
  });
  return ranges.map(([from, to]) => edits.slice(from, to));
}

function cut(text: string): string {
  return text.length > 300 ? `${text.slice(0, 300)}… (${text.length} characters)` : text;
}
