import type { HistoryRow } from './scan-chunk.js';

const POSITION_BITS = 2 ** 21;

/**
 * Sorts rows newest first (`captured_at` descending, then hash ascending).
 * For up to two million rows it sorts packed numeric keys in a typed array,
 * several times faster than a comparator over strings.
 */
export function sortNewestFirst(rows: HistoryRow[]): HistoryRow[] {
  const n = rows.length;
  if (n >= POSITION_BITS) return rows.sort(compareNewestFirst);
  const keys = new Float64Array(n);
  let newest = 0;
  const seconds = new Float64Array(n);
  for (let i = 0; i < n; i++) {
    const s = Date.parse(rows[i]![1]) / 1000;
    seconds[i] = s;
    if (s > newest) newest = s;
  }
  for (let i = 0; i < n; i++) keys[i] = (newest - seconds[i]!) * POSITION_BITS + i;
  keys.sort();
  const sorted: HistoryRow[] = new Array(n);
  for (let k = 0; k < n; k++) sorted[k] = rows[keys[k]! % POSITION_BITS]!;
  // Equal timestamps: order by hash so the result does not depend on input order.
  let start = 0;
  for (let k = 1; k <= n; k++) {
    if (k === n || sorted[k]![1] !== sorted[start]![1]) {
      if (k - start > 1) {
        const run = sorted.slice(start, k).sort(compareNewestFirst);
        for (let r = 0; r < run.length; r++) sorted[start + r] = run[r]!;
      }
      start = k;
    }
  }
  return sorted;
}

export function compareNewestFirst(a: HistoryRow, b: HistoryRow): number {
  if (a[1] !== b[1]) return a[1] < b[1] ? 1 : -1;
  return a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0;
}
