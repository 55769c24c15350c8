import type { HistoryScanProblem } from './history-scan.js';
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

function topOf(counts: Map<string, number>, limit = TOP_LIMIT): NameCount[] {
  return [...counts]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, limit);
}

function bump(counts: Map<string, number>, key: string): void {
  counts.set(key, (counts.get(key) ?? 0) + 1);
}

/**
 * Summarizes history rows (newest first) inside a time window. One pass,
 * no record held beyond its summary line.
 */
export function summarizeHistory(
  rows: readonly HistoryRow[],
  options: { window?: TimeWindow; skipped?: HistoryScanProblem[]; generatedAt?: string | null } = {},
): DashboardSummary {
  const window = options.window ?? { since: null, until: null };
  const templates = new Map<string, number>();
  const actions = new Map<string, number>();
  const workers = new Map<string, number>();
  const families = new Map<string, number>();
  const days = new Map<string, { runs: number; failures: number }>();
  const approvals = { approved: 0, denied: 0, failed_after_approval: 0 };
  const failures: DashboardSummary['failures'] = [];
  const records: RecordLine[] = [];
  let success = 0;
  let streak = 0;
  let streakOpen = true;

  for (const row of rows) {
    const [file, capturedAt, status, task, rowActions, rowWorkers, approved, denied, failedAfterApproval] =
      row;
    if (!inWindow(capturedAt, window)) continue;
    const hash = file.slice(0, -5);
    records.push({ hash, captured_at: capturedAt, status, task, action_count: rowActions.length });
    const ok = status === 'ok';
    if (ok) success++;
    else failures.push({ hash, captured_at: capturedAt, task, status });
    if (streakOpen && ok) streak++;
    else streakOpen = false;
    const family = taskFamily(task);
    bump(families, family);
    if (family === 'template') {
      const template = templateOfTask(task);
      if (template) bump(templates, template);
    }
    for (const action of rowActions) bump(actions, action);
    for (const worker of rowWorkers) bump(workers, worker);
    approvals.approved += approved;
    approvals.denied += denied;
    approvals.failed_after_approval += failedAfterApproval;
    const day = capturedAt.slice(0, 10);
    let bucket = days.get(day);
    if (!bucket) {
      bucket = { runs: 0, failures: 0 };
      days.set(day, bucket);
    }
    bucket.runs++;
    if (!ok) bucket.failures++;
  }

  const total = records.length;
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
      latest_status: records[0]?.status ?? null,
      success_streak: streak,
    },
    top_templates: topOf(templates),
    top_actions: topOf(actions),
    workers: topOf(workers, Number.POSITIVE_INFINITY),
    task_families: topOf(families, Number.POSITIVE_INFINITY),
    approvals,
    failures,
    records,
    series,
    skipped: { count: skipped.length, files: skipped },
  };
}
