/**
 * A mistake in how repltap was called or configured (bad address, missing file, invalid option).
 * The CLI prints its message, which says what to do, and exits with status 2.
 */
export class UsageError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'UsageError';
  }
}

/** Something repltap needs is missing from this machine (e.g. redis-server). Exit status 3. */
export class EnvironmentError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'EnvironmentError';
  }
}
