#!/usr/bin/env node
import { CommanderError } from 'commander';
import { EnvironmentError, UsageError } from '../errors.js';
import { TraceFormatError } from '../trace/errors.js';
import { EXIT } from './exit-codes.js';
import { buildProgram } from './program.js';

const program = buildProgram();

function fail(message: string, code: number): never {
  process.stderr.write(`repltap: ${message}\n`);
  process.exit(code);
}

try {
  await program.parseAsync();
} catch (error) {
  if (error instanceof CommanderError) {
    // Commander already printed its message (or the help / version text).
    process.exit(error.exitCode === 0 ? EXIT.ok : EXIT.usage);
  }
  if (error instanceof UsageError || error instanceof TraceFormatError) fail(error.message, EXIT.usage);
  if (error instanceof EnvironmentError) fail(error.message, EXIT.environment);
  const detail = process.env.REPLTAP_DEBUG ? `\n${(error as Error).stack}` : ' (set REPLTAP_DEBUG=1 for the stack trace)';
  fail(`internal error: ${(error as Error).message}${detail}`, EXIT.internal);
}
