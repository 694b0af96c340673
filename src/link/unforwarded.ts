import type { ByDirection } from './events.js';

/**
 * Bytes that arrived at the tap but were not handed on, each way: what faults still hold (a
 * throttle, a delay, a freeze), or, once a link closed, what they held then or what arrived after
 * the other side had closed.
 */
export function unforwarded(arrived: ByDirection, forwarded: ByDirection): ByDirection {
  return { m2r: arrived.m2r - forwarded.m2r, r2m: arrived.r2m - forwarded.r2m };
}
