/** One line of an edit script: kept, removed from A, or added in B. */
export interface Edit {
  op: ' ' | '-' | '+';
  /** Index in A (for ' ' and '-') or in B (for '+'). */
  index: number;
  text: string;
}

/** Beyond this many differences the middle is reported as replaced wholesale (Myers would need D² memory). */
const MAX_DIFFERENCES = 2000;

/**
 * The shortest edit script from `a` to `b` (Myers' O(ND) algorithm) after trimming their common
 * prefix and suffix, which is where almost all of two captures of one workload agree.
 */
export function diffSequences(a: readonly string[], b: readonly string[]): Edit[] {
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const edits: Edit[] = [];
  for (let i = 0; i < start; i++) edits.push({ op: ' ', index: i, text: a[i]! });
  edits.push(...middle(a, b, start, endA, start, endB));
  for (let i = endA; i < a.length; i++) edits.push({ op: ' ', index: i, text: a[i]! });
  return edits;
}

function middle(a: readonly string[], b: readonly string[], a0: number, a1: number, b0: number, b1: number): Edit[] {
  const n = a1 - a0;
  const m = b1 - b0;
  if (n === 0 && m === 0) return [];
  const max = Math.min(n + m, MAX_DIFFERENCES);
  const offset = max + 1;
  let v = new Int32Array(2 * max + 3);
  const trace: Int32Array[] = [];
  let found = -1;
  for (let d = 0; d <= max && found < 0; d++) {
    trace.push(v.slice());
    const next = v.slice();
    for (let k = -d; k <= d; k += 2) {
      let x = k === -d || (k !== d && v[offset + k - 1]! < v[offset + k + 1]!) ? v[offset + k + 1]! : v[offset + k - 1]! + 1;
      let y = x - k;
      while (x < n && y < m && a[a0 + x] === b[b0 + y]) {
        x++;
        y++;
      }
      next[offset + k] = x;
      if (x >= n && y >= m) {
        found = d;
        break;
      }
    }
    v = next;
  }
  if (found < 0) return replaced(a, b, a0, a1, b0, b1);
  // Walk back through the saved frontiers to recover the path.
  const edits: Edit[] = [];
  let x = n;
  let y = m;
  for (let d = found; d > 0; d--) {
    const prev = trace[d]!;
    const k = x - y;
    const down = k === -d || (k !== d && prev[offset + k - 1]! < prev[offset + k + 1]!);
    const prevK = down ? k + 1 : k - 1;
    const prevX = prev[offset + prevK]!;
    const prevY = prevX - prevK;
    while (x > prevX && y > prevY) {
      x--;
      y--;
      edits.push({ op: ' ', index: a0 + x, text: a[a0 + x]! });
    }
    if (down) edits.push({ op: '+', index: b0 + prevY, text: b[b0 + prevY]! });
    else edits.push({ op: '-', index: a0 + prevX, text: a[a0 + prevX]! });
    x = prevX;
    y = prevY;
  }
  while (x > 0 && y > 0) {
    x--;
    y--;
    edits.push({ op: ' ', index: a0 + x, text: a[a0 + x]! });
  }
  return edits.reverse();
}

function replaced(a: readonly string[], b: readonly string[], a0: number, a1: number, b0: number, b1: number): Edit[] {
  const edits: Edit[] = [];
  for (let i = a0; i < a1; i++) edits.push({ op: '-', index: i, text: a[i]! });
  for (let i = b0; i < b1; i++) edits.push({ op: '+', index: i, text: b[i]! });
  return edits;
}
