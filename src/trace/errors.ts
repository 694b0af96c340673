import { UsageError } from '../errors.js';

/** A trace file that cannot be read: says which file, where and what. */
export class TraceFormatError extends Error {
  constructor(
    readonly path: string,
    /** Byte position in the file where the problem is. */
    readonly at: number,
    what: string,
  ) {
    super(`${path}: at byte ${at}: ${what}`);
    this.name = 'TraceFormatError';
  }
}

/**
 * A trace that does not hold its header yet: missing, empty, or cut inside its first block. Also
 * what a trace looks like before its writer has started, which `inspect --follow` waits out.
 */
export class TraceNotReadyError extends TraceFormatError {
  constructor(path: string, at: number, what: string) {
    super(path, at, what);
    this.name = 'TraceNotReadyError';
  }
}

/**
 * A followed trace that a new recording replaced: the file shrank or its header block changed (a
 * tap restarted on the same path truncates it), or the path now names another file. A follower
 * starts again from the top of the file at the path.
 */
export class TraceRewrittenError extends TraceFormatError {
  constructor(path: string, at: number, what: string) {
    super(path, at, what);
    this.name = 'TraceRewrittenError';
  }
}

/** What a failed write means, in words, by its error code. */
const WRITE_PROBLEMS: Record<string, string> = {
  ENOENT: 'its directory does not exist',
  ENOTDIR: 'a part of its path is not a directory',
  EACCES: 'permission denied',
  EPERM: 'permission denied',
  EROFS: 'the file system is read-only',
  EISDIR: 'it is a directory',
  ENOSPC: 'no space left on the device',
  EDQUOT: 'the disk quota is exceeded',
  EFBIG: 'the file is larger than the file system or the size limit (ulimit -f) allows',
  EIO: 'an I/O error on the device',
};

/** A trace that cannot be written (opened, or appended to): which file, from which byte, and why. Exit status 2. */
export class TraceWriteError extends UsageError {
  readonly code: string | null;

  constructor(
    readonly path: string,
    /** Bytes of the file written before the failure (0 when it could not be opened). */
    readonly at: number,
    cause: unknown,
  ) {
    const code = (cause as NodeJS.ErrnoException).code ?? null;
    const what = (code !== null ? WRITE_PROBLEMS[code] : undefined) ?? (cause as Error).message;
    super(`cannot write the trace ${path}${at > 0 ? ` past byte ${at}` : ''}: ${what}${code !== null ? ` (${code})` : ''}`);
    this.name = 'TraceWriteError';
    this.code = code;
  }
}
