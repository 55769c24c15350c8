import { isCanonicalTimestamp } from './canonical-time.js';
import { FAMILIES, type HistoryTable, KIND_OK, KIND_PROBLEM } from './history-table.js';
import { newestFirstOrder } from './newest-first.js';
import { inWindow, type TimeWindow } from './time-window.js';

/** A run in a partial summary's lists: `[file, captured_at, seconds, ok, task, action_count]`. */
export type ListedRun = [
  file: string,
  capturedAt: string,
  seconds: number,
  ok: boolean,
  task: string,
  actions: number,
];

/**
 * The summary of some runs, before it is turned into a `DashboardSummary`:
 * counts that add up across parts, and the newest runs and failures. The
 * summary index stores one per segment, so a rebuild merges stored parts
 * instead of summarizing every run again (see `mergePartialSummaries`).
 */
export interface PartialSummary {
  /** The lists hold the newest `limit` runs and failures (at least 1), or all when there are fewer. */
  limit: number;
  total: number;
  success: number;
  approved: number;
  denied: number;
  failedAfterApproval: number;
  /** Runs per task family code (`FAMILIES`). */
  families: number[];
  templates: [name: string, count: number][];
  actions: [name: string, count: number][];
  workers: [name: string, count: number][];
  /** `[YYYY-MM-DD, runs, failures]` by day. */
  days: [day: string, runs: number, failures: number][];
  newest: ListedRun[];
  failures: ListedRun[];
  /** Runs newer than the newest failure (every run when none failed). */
  streak: number;
  /**
   * Every `captured_at` is a real UTC time in canonical form, so ordering by
   * `seconds` is ordering by the text, and equal seconds mean equal text.
   * Only such parts can be merged.
   */
  canonical: boolean;
}

/** A partial summary with what merging needs to count runs across parts. */
export interface SummaryPart {
  partial: PartialSummary;
  /** Run entries newest first (indices into `seconds` and `files`). */
  order: Uint32Array;
  seconds: ArrayLike<number>;
  files: readonly string[];
}

/** Day buckets in day order. */
function byDay(days: Map<string, [string, number, number]>): [string, number, number][] {
  return [...days.values()].sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
}

function countsOf(names: readonly string[], counts: Float64Array): [string, number][] {
  // A name can occur twice in a merged dictionary.
  const out = new Map<string, number>();
  for (let id = 0; id < names.length; id++) {
    const count = counts[id] as number;
    if (count > 0) out.set(names[id] as string, (out.get(names[id] as string) ?? 0) + count);
  }
  return [...out];
}

/**
 * Summarizes the runs of `table` inside `window`, keeping the newest `limit`
 * runs and failures (problem entries are ignored).
 */
export function partialSummaryOf(
  table: HistoryTable,
  options: { window?: TimeWindow; limit?: number } = {},
): SummaryPart {
  const limit = Math.max(1, options.limit ?? Number.POSITIVE_INFINITY);
  const window = options.window ?? { since: null, until: null };
  const { actions, workers } = table;
  const actionCounts = new Float64Array(actions.names.length);
  const workerCounts = new Float64Array(workers.names.length);
  const familyCounts = [0, 0, 0, 0];
  const templates = new Map<string, number>();
  const days = new Map<string, [string, number, number]>();
  const newest: ListedRun[] = [];
  const failures: ListedRun[] = [];
  let total = 0;
  let success = 0;
  let streak = 0;
  let streakOpen = true;
  let approved = 0;
  let denied = 0;
  let failedAfterApproval = 0;
  let canonical = true;

  const runs: number[] = [];
  for (let i = 0; i < table.kind.length; i++)
    if (table.kind[i] !== KIND_PROBLEM && inWindow(table.capturedAt[i] as string, window)) runs.push(i);
  const order = newestFirstOrder(runs, table.capturedAt, table.files, table.seconds);
  let lastDayNumber = Number.NaN;
  let bucket: [string, number, number] = ['', 0, 0];
  for (let k = 0; k < order.length; k++) {
    const i = order[k] as number;
    const capturedAt = table.capturedAt[i] as string;
    const ok = table.kind[i] === KIND_OK;
    const actionStart = actions.start[i] as number;
    const actionEnd = actions.start[i + 1] as number;
    if (canonical && !isCanonicalTimestamp(capturedAt)) canonical = false;
    total++;
    if (newest.length < limit || (!ok && failures.length < limit)) {
      const listed: ListedRun = [
        table.files[i] as string,
        capturedAt,
        table.seconds[i] as number,
        ok,
        table.task[i] as string,
        actionEnd - actionStart,
      ];
      if (newest.length < limit) newest.push(listed);
      if (!ok && failures.length < limit) failures.push(listed);
    }
    if (ok) success++;
    if (streakOpen && ok) streak++;
    else streakOpen = false;
    (familyCounts[table.family[i] as number] as number)++;
    const template = table.template[i] as string;
    if (template !== '') templates.set(template, (templates.get(template) ?? 0) + 1);
    for (let at = actionStart; at < actionEnd; at++) (actionCounts[actions.ids[at] as number] as number)++;
    for (let at = workers.start[i] as number; at < (workers.start[i + 1] as number); at++)
      (workerCounts[workers.ids[at] as number] as number)++;
    approved += table.approved[i] as number;
    denied += table.denied[i] as number;
    failedAfterApproval += table.failedAfterApproval[i] as number;
    // Runs come newest first, so a day's runs are consecutive: look the day up only when it changes.
    const dayNumber = Math.floor((table.seconds[i] as number) / 86_400);
    if (dayNumber !== lastDayNumber || Number.isNaN(dayNumber)) {
      lastDayNumber = dayNumber;
      const day = capturedAt.slice(0, 10);
      bucket = days.get(day) ?? [day, 0, 0];
      days.set(day, bucket);
    }
    bucket[1]++;
    if (!ok) bucket[2]++;
  }
  const partial: PartialSummary = {
    limit,
    total,
    success,
    approved,
    denied,
    failedAfterApproval,
    families: familyCounts.slice(0, FAMILIES.length),
    templates: [...templates],
    actions: countsOf(actions.names, actionCounts),
    workers: countsOf(workers.names, workerCounts),
    days: byDay(days),
    newest,
    failures,
    streak,
    canonical,
  };
  return { partial, order, seconds: table.seconds, files: table.files };
}

/** Whether `a` is newer than `b`: later `captured_at`, then the smaller file name. */
function newer(a: ListedRun, b: ListedRun): boolean {
  return a[2] !== b[2] ? a[2] > b[2] : a[0] < b[0];
}

/** Runs of `part` newer than `run` (seconds descending, then file ascending, as `order` holds them). */
function countNewer(part: SummaryPart, run: ListedRun): number {
  const { order, seconds, files } = part;
  let lo = 0;
  let hi = order.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    const at = order[mid] as number;
    const s = seconds[at] as number;
    if (s > run[2] || (s === run[2] && (files[at] as string) < run[0])) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

function addCounts(into: Map<string, number>, from: readonly [string, number][]): void {
  for (const [name, count] of from) into.set(name, (into.get(name) ?? 0) + count);
}

function newestOf(lists: readonly ListedRun[][], limit: number): ListedRun[] {
  return lists
    .flat()
    .sort((a, b) => (newer(a, b) ? -1 : newer(b, a) ? 1 : 0))
    .slice(0, limit);
}

/**
 * Whether `parts` can be merged into a summary listing `listLimit` runs:
 * every part canonical, and each holds at least that many (or all of its
 * runs and failures).
 */
export function canMergeParts(parts: readonly SummaryPart[], listLimit: number): boolean {
  return parts.every(
    ({ partial }) =>
      partial.canonical &&
      (partial.limit >= Math.max(1, listLimit) ||
        (partial.newest.length === partial.total &&
          partial.failures.length === partial.total - partial.success)),
  );
}

/**
 * One partial summary of the runs of all `parts` (see `canMergeParts`; a
 * single part is returned as it is). Equal to summarizing all their runs at
 * once: counts add up, lists are merged newest first, and the streak counts
 * every part's runs newer than the newest failure of all.
 */
export function mergePartialSummaries(parts: readonly SummaryPart[], listLimit: number): PartialSummary {
  if (parts.length === 1) return (parts[0] as SummaryPart).partial;
  const limit = Math.max(1, listLimit);
  const templates = new Map<string, number>();
  const actions = new Map<string, number>();
  const workers = new Map<string, number>();
  const days = new Map<string, [string, number, number]>();
  const families = FAMILIES.map(() => 0);
  const sum = { total: 0, success: 0, approved: 0, denied: 0, failedAfterApproval: 0 };
  for (const { partial } of parts) {
    sum.total += partial.total;
    sum.success += partial.success;
    sum.approved += partial.approved;
    sum.denied += partial.denied;
    sum.failedAfterApproval += partial.failedAfterApproval;
    partial.families.forEach((count, code) => {
      families[code] = (families[code] as number) + count;
    });
    addCounts(templates, partial.templates);
    addCounts(actions, partial.actions);
    addCounts(workers, partial.workers);
    for (const [day, runs, failed] of partial.days) {
      const bucket = days.get(day) ?? [day, 0, 0];
      bucket[1] += runs;
      bucket[2] += failed;
      days.set(day, bucket);
    }
  }
  const failures = newestOf(
    parts.map(({ partial }) => partial.failures),
    limit,
  );
  const newestFailure = failures[0];
  const streak =
    newestFailure === undefined
      ? sum.total
      : parts.reduce((count, part) => count + countNewer(part, newestFailure), 0);
  return {
    limit,
    ...sum,
    families,
    templates: [...templates],
    actions: [...actions],
    workers: [...workers],
    days: byDay(days),
    newest: newestOf(
      parts.map(({ partial }) => partial.newest),
      limit,
    ),
    failures,
    streak,
    canonical: true,
  };
}
