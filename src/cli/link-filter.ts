import { UsageError } from '../errors.js';

/** `--link N`: which records pass, and, once the trace is read through, whether link N was in it. */
export class LinkFilter {
  private found = false;
  private readonly others = new Set<number>();

  constructor(readonly link: number | undefined) {}

  passes(record: { link: number }): boolean {
    if (this.link === undefined || record.link === this.link) {
      this.found = true;
      return true;
    }
    this.others.add(record.link);
    return false;
  }

  /** A usage error naming the links the trace has, when the one asked for was not among them. */
  missing(path: string): UsageError | null {
    if (this.link === undefined || this.found) return null;
    const ids = [...this.others].sort((a, b) => a - b);
    const has = ids.length === 0 ? 'it has no links' : ids.length <= 10 ? `its links are ${ids.join(', ')}` : `its ${ids.length} links are ${ids[0]} to ${ids.at(-1)}`;
    return new UsageError(`${path}: no link ${this.link}; ${has}`);
  }
}
