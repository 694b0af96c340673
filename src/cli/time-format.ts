/** An epoch-ms time as UTC `HH:MM:SS.mmm`. */
export function formatClockTime(t: number): string {
  return new Date(t).toISOString().slice(11, 23);
}

/** A duration: milliseconds under a second, else seconds with two decimals. */
export function formatDuration(ms: number): string {
  return ms < 1000 ? `${ms.toFixed(0)} ms` : `${(ms / 1000).toFixed(2)} s`;
}
