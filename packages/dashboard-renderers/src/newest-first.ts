const POSITION_BITS = 2 ** 21;

/**
 * Orders `entries` (indices into the `capturedAt`, `files` and `secondsOf`
 * columns; `secondsOf` is `Date.parse(captured_at) / 1000`) newest first:
 * `captured_at` descending, then file name (the hash) ascending. For up to
 * two million entries it sorts packed numeric keys in a typed array, several
 * times faster than a comparator over strings.
 */
export function newestFirstOrder(
  entries: ArrayLike<number>,
  capturedAt: readonly string[],
  files: readonly string[],
  secondsOf: ArrayLike<number>,
): Uint32Array {
  const n = entries.length;
  const compare = (a: number, b: number) => {
    const at = capturedAt[a] as string;
    const bt = capturedAt[b] as string;
    if (at !== bt) return at < bt ? 1 : -1;
    const af = files[a] as string;
    const bf = files[b] as string;
    return af < bf ? -1 : af > bf ? 1 : 0;
  };
  if (n >= POSITION_BITS) return Uint32Array.from(entries).sort(compare);
  const seconds = new Float64Array(n);
  let newest = 0;
  let comparable = true;
  for (let k = 0; k < n; k++) {
    const s = secondsOf[entries[k] as number] as number;
    if (Number.isNaN(s)) comparable = false;
    seconds[k] = s;
    if (s > newest) newest = s;
  }
  // A timestamp the Date parser rejects (e.g. month 13) cannot be packed.
  if (!comparable) return Uint32Array.from(entries).sort(compare);
  const keys = new Float64Array(n);
  for (let k = 0; k < n; k++) keys[k] = (newest - (seconds[k] as number)) * POSITION_BITS + k;
  keys.sort();
  const sorted = new Uint32Array(n);
  for (let k = 0; k < n; k++) sorted[k] = entries[(keys[k] as number) % POSITION_BITS] as number;
  // Equal timestamps (equal high parts of the keys): order by file name so
  // the result does not depend on input order.
  let start = 0;
  let startSecond = Math.floor((keys[0] as number) / POSITION_BITS);
  for (let k = 1; k <= n; k++) {
    const second = k === n ? -1 : Math.floor((keys[k] as number) / POSITION_BITS);
    if (second !== startSecond) {
      if (k - start > 1) sorted.subarray(start, k).sort(compare);
      start = k;
      startSecond = second;
    }
  }
  return sorted;
}
