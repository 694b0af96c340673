import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import type { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { buildProgram } from '../../src/cli/program.js';

const root = join(import.meta.dirname, '../..');
const pages = ['README.md', ...readdirSync(join(root, 'docs')).filter((f) => f.endsWith('.md')).map((f) => `docs/${f}`)];

/** The `repltap ...` command lines in a page's shell blocks, continuation lines joined, comments dropped. */
function commandLines(page: string): string[] {
  const text = readFileSync(join(root, page), 'utf8');
  const blocks = [...text.matchAll(/```sh\n([\s\S]*?)```/g)].map((m) => m[1]!.replace(/\\\n\s*/g, ' '));
  return blocks
    .flatMap((block) => block.split('\n'))
    .map((line) => line.replace(/\s+#.*$/, '').trim())
    .filter((line) => line.startsWith('repltap '));
}

/** The command a line runs (`trace stats`, `inspect`), and the options it gives it. */
function resolve(program: Command, line: string): { command: Command; path: string; options: string[] } {
  const words = line.replace(/'[^']*'/g, "''").split(/\s+/).slice(1);
  let command = program;
  const path: string[] = [];
  for (const word of words) {
    const sub = command.commands.find((c) => c.name() === word);
    if (sub === undefined) break;
    command = sub;
    path.push(word);
  }
  const options = words.filter((w) => w.startsWith('--')).map((w) => w.split('=')[0]!);
  return { command, path: path.join(' '), options };
}

describe("the command lines README.md and docs/ show", () => {
  const program = buildProgram();
  const lines = pages.flatMap((page) => commandLines(page).map((line) => [page, line] as const));

  it('are found in the pages', () => {
    expect(lines.length).toBeGreaterThanOrEqual(25);
  });

  it.each(lines)('%s: %s names a command and only its options', (_page, line) => {
    const { command, path, options } = resolve(program, line);
    expect(path, 'a repltap command').not.toBe('');
    const known = new Set(['--help', ...command.options.map((o) => o.long)]);
    for (const option of options) expect(known, `${option} of repltap ${path}`).toContain(option);
  });
});
