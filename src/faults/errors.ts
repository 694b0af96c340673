import { UsageError } from '../errors.js';

/** A fault specification that cannot be used; `field` is its path, e.g. `when.afterBytes`. */
export class FaultSpecError extends UsageError {
  constructor(
    readonly field: string,
    problem: string,
  ) {
    super(`fault ${field}: ${problem}`);
    this.name = 'FaultSpecError';
  }
}
