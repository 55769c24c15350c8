import type { HistoryScanProblem } from './history-scan.js';
import {
  FAMILIES,
  type HistoryTable,
  KIND_OK,
  KIND_PROBLEM,
  type TaskClassifier,
  tableFromRows,
} from './history-table.js';
import { newestFirstOrder } from './newest-first.js';
import type { HistoryRow } from './scan-chunk.js';
import { inWindow, type TimeWindow } from './time-window.js';

export const SUMMARY_SCHEMA_VERSION = 1;
export const TOP_LIMIT = 10;

export interface NameCount {
  name: string;
  count: number;
}

export interface DaySeries {
  /** `YYYY-MM-DD` (UTC). */
  day: string;
  runs: number;
  failures: number;
  success_rate: number;
}

export interface RecordLine {
  hash: string;
  captured_at: string;
  status: string;
  task: string;
  action_count: number;
}

/** The dashboard summary (CONTRACT.md keys plus `series`, `window` and `skipped`). */
export interface DashboardSummary {
  schema_version: number;
  window: TimeWindow;
  generated_at: string | null;
  runs: {
    total: number;
    success: number;
    failed: number;
    /** success / total, 0..1 rounded to 4 places; null when there are no runs. */
    success_rate: number | null;
    latest_status: string | null;
    success_streak: number;
  };
  top_templates: NameCount[];
  top_actions: NameCount[];
  workers: NameCount[];
  task_families: NameCount[];
  approvals: { approved: number; denied: number; failed_after_approval: number };
  failures: { hash: string; captured_at: string; task: string; status: string }[];
  records: RecordLine[];
  series: DaySeries[];
  skipped: { count: number; files: HistoryScanProblem[] };
}

export function rate(success: number, total: number): number {
  return Math.round((success / total) * 10_000) / 10_000;
}

/** `template:<id>` tasks name their template; everything else has none. */
export function templateOfTask(task: string): string | null {
  const match = /^template:\s*(\S+)/.exec(task.trim());
  return match ? match[1]! : null;
}

export function taskFamily(task: string): string {
  const text = task.trimStart();
  if (text.startsWith('action ') || text.startsWith('action\t') || text.trimEnd() === 'action')
    return 'action';
  if (text.startsWith('template:')) return 'template';
  return 'free-text';
}

/**
 * How history tables classify tasks (built into each table, so summaries do
 * not redo it). The summary index stores the results: changing `taskFamily`
 * or `templateOfTask` means bumping its format (summary-index.ts).
 */
export const TASK_CLASSIFIER: TaskClassifier = { taskFamily, templateOfTask };

function topOf(counts: Map<string, number>, limit = TOP_LIMIT): NameCount[] {
  return [...counts]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, limit);
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/** Names with a non-zero count (a name can occur twice in a merged dictionary). */
function counted(names: readonly string[], counts: Float64Array): Map<string, number> {
  const out = new Map<string, number>();
  for (let id = 0; id < names.length; id++) {
    const count = counts[id] as number;
    if (count > 0) out.set(names[id] as string, (out.get(names[id] as string) ?? 0) + count);
  }
  return out;
}

/**
 * Summarizes history rows inside a time window (rows in any order; the
 * summary lists runs newest first).
 */
export function summarizeHistory(
  rows: readonly HistoryRow[],
  options: SummaryOptions = {},
): DashboardSummary {
  return summarizeTable(tableFromRows(rows, TASK_CLASSIFIER), options);
}

export interface SummaryOptions {
  window?: TimeWindow;
  skipped?: HistoryScanProblem[];
  generatedAt?: string | null;
  /**
   * Keep only the newest this-many `records` and `failures` (the counts in
   * `runs` stay whole). For renderers that list only the newest few (html,
   * md) and for gates; json and csv need every line.
   */
  listLimit?: number;
}

/** `summarizeHistory` over a table (problem entries are left to `options.skipped`). */
export function summarizeTable(table: HistoryTable, options: SummaryOptions = {}): DashboardSummary {
  const listLimit = options.listLimit ?? Number.POSITIVE_INFINITY;
  const window = options.window ?? { since: null, until: null };
  const actionCounts = new Float64Array(table.actions.names.length);
  const workerCounts = new Float64Array(table.workers.names.length);
  const templates = new Map<string, number>();
  const families = new Map<string, number>();
  const days = new Map<string, { runs: number; failures: number }>();
  const approvals = { approved: 0, denied: 0, failed_after_approval: 0 };
  const failures: DashboardSummary['failures'] = [];
  const records: RecordLine[] = [];
  let total = 0;
  let latestStatus: string | null = null;
  let success = 0;
  let streak = 0;
  let streakOpen = true;

  const runs: number[] = [];
  for (let i = 0; i < table.kind.length; i++)
    if (table.kind[i] !== KIND_PROBLEM && inWindow(table.capturedAt[i] as string, window)) runs.push(i);
  const { actions, workers } = table;
  const familyCounts = new Float64Array(FAMILIES.length + 1);
  let lastDayNumber = Number.NaN;
  let bucket = { runs: 0, failures: 0 };
  for (const i of newestFirstOrder(runs, table.capturedAt, table.files, table.seconds)) {
    const capturedAt = table.capturedAt[i] as string;
    const task = table.task[i] as string;
    const status = table.kind[i] === KIND_OK ? 'ok' : 'error';
    const actionStart = actions.start[i] as number;
    const actionEnd = actions.start[i + 1] as number;
    const ok = status === 'ok';
    total++;
    if (total === 1) latestStatus = status;
    if (records.length < listLimit)
      records.push({
        hash: (table.files[i] as string).slice(0, -5),
        captured_at: capturedAt,
        status,
        task,
        action_count: actionEnd - actionStart,
      });
    if (ok) success++;
    else if (failures.length < listLimit)
      failures.push({ hash: (table.files[i] as string).slice(0, -5), captured_at: capturedAt, task, status });
    if (streakOpen && ok) streak++;
    else streakOpen = false;
    (familyCounts[table.family[i] as number] as number)++;
    const template = table.template[i] as string;
    if (template !== '') bump(templates, template);
    for (let k = actionStart; k < actionEnd; k++) (actionCounts[actions.ids[k] as number] as number)++;
    for (let k = workers.start[i] as number; k < (workers.start[i + 1] as number); k++)
      (workerCounts[workers.ids[k] as number] as number)++;
    approvals.approved += table.approved[i] as number;
    approvals.denied += table.denied[i] as number;
    approvals.failed_after_approval += table.failedAfterApproval[i] as number;
    // Runs come newest first, so a day's runs are consecutive: look the day up only when it changes.
    const dayNumber = Math.floor((table.seconds[i] as number) / 86_400);
    if (dayNumber !== lastDayNumber || Number.isNaN(dayNumber)) {
      lastDayNumber = dayNumber;
      const day = capturedAt.slice(0, 10);
      bucket = days.get(day) ?? { runs: 0, failures: 0 };
      days.set(day, bucket);
    }
    bucket.runs++;
    if (!ok) bucket.failures++;
  }
  for (let code = 0; code < FAMILIES.length; code++)
    if ((familyCounts[code] as number) > 0)
      families.set(FAMILIES[code] as string, familyCounts[code] as number);

  const series = [...days]
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([day, { runs, failures: failed }]) => ({
      day,
      runs,
      failures: failed,
      success_rate: rate(runs - failed, runs),
    }));
  const skipped = options.skipped ?? [];
  return {
    schema_version: SUMMARY_SCHEMA_VERSION,
    window,
    generated_at: options.generatedAt ?? null,
    runs: {
      total,
      success,
      failed: total - success,
      success_rate: total === 0 ? null : rate(success, total),
      latest_status: latestStatus,
      success_streak: streak,
    },
    top_templates: topOf(templates),
    top_actions: topOf(counted(actions.names, actionCounts)),
    workers: topOf(counted(workers.names, workerCounts), Number.POSITIVE_INFINITY),
    task_families: topOf(families, Number.POSITIVE_INFINITY),
    approvals,
    failures,
    records,
    series,
    skipped: { count: skipped.length, files: skipped },
  };
}
