/** A protocol violation found by a decoder: where it is (byte position) and what is wrong. */
export class DecodeError {
  constructor(
    /** Position of the offending byte, counted from the first byte of the stream. */
    readonly at: number,
    readonly message: string,
  ) {}

  toString(): string {
    return `at byte ${this.at}: ${this.message}`;
  }
}
