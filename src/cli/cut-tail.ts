import { EXIT } from './exit-codes.js';

/**
 * A trace cut off inside a block (a copy cut short, a full disk) is an input error: what could be
 * read has been shown, the message says where the cut is, and the command exits 2.
 */
export function reportCutTail(path: string, warnings: readonly string[]): void {
  if (warnings.length === 0) return;
  for (const warning of warnings) process.stderr.write(`repltap: ${path}: ${warning}\n`);
  process.exitCode = EXIT.usage;
}
