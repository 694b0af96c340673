import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { parseFault } from '../../src/faults/parse.js';

const root = join(import.meta.dirname, '../..');
const pages = ['docs/faults.md', 'README.md'].map((page) => readFileSync(join(root, page), 'utf8')).join('\n');

/** Every fault the docs show: JSON blocks, and the JSON given to --fault and to curl. */
function documentedFaults(): string[] {
  const blocks = [...pages.matchAll(/```json\n([\s\S]*?)```/g)].map((m) => m[1]!);
  const inline = [...pages.matchAll(/(?:--fault|-d) '(\{.*?\})'/g)].map((m) => m[1]!);
  return [...blocks, ...inline];
}

describe('the faults docs/faults.md and README.md show', () => {
  it('are all found', () => {
    expect(documentedFaults()).toHaveLength(5);
  });

  it.each(documentedFaults())('parse as faults: %s', (json) => {
    const fault = parseFault(JSON.parse(json) as unknown, 'f1');
    expect(fault.action).toBe((JSON.parse(json) as { action: string }).action);
  });
});
