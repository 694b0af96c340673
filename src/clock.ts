/** Where the current time comes from: epoch milliseconds, fractional. Injected so tests control it. */
export type Clock = () => number;

export const systemClock: Clock = () => performance.timeOrigin + performance.now();
