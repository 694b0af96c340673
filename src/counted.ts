/** `1 link`, `2 links`: a count with its noun, singular for one; `? links` when the count is unknown. */
export function counted(n: number | null, noun: string): string {
  return `${n ?? '?'} ${noun}${n === 1 ? '' : 's'}`;
}
