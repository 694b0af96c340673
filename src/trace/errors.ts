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
