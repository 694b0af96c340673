import type { RdbEvent } from './events.js';

/** An RDB that cannot be decoded: where (byte offset in the file) and what. */
export class RdbFormatError extends Error {
  /** Events decoded from the same input before the fault (so that nothing decoded is lost). */
  events: RdbEvent[] = [];

  constructor(
    readonly at: number,
    readonly reason: string,
  ) {
    super(`at byte ${at}: ${reason}`);
    this.name = 'RdbFormatError';
  }
}

/** A fault inside a blob (ziplist, listpack, intset, zipmap): offset within the blob. */
export class BlobError extends Error {
  constructor(
    readonly at: number,
    readonly reason: string,
  ) {
    super(reason);
    this.name = 'BlobError';
  }
}
