import { canonicalSeconds } from './canonical-time.js';
import type { HistoryScanProblem } from './history-scan.js';
import { FAMILIES, type HistoryTable, type TaskClassifier, tableFromRows } from './history-table.js';
import type { HistoryRow } from './scan-chunk.js';
import { type ListedRun, type PartialSummary, partialSummaryOf } from './summary-partial.js';
import type { TimeWindow } from './time-window.js';

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
export const TASK_CLASSIFIER: TaskClassifier = { taskFamily, templateOfTask, canonicalSeconds };

function topOf(counts: Map<string, number>, limit = TOP_LIMIT): NameCount[] {
  return [...counts]
    .map(([name, count]) => ({ name, count }))
    .sort((a, b) => b.count - a.count || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0))
    .slice(0, limit);
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
  const { partial } = partialSummaryOf(table, {
    ...(options.window ? { window: options.window } : {}),
    ...(options.listLimit === undefined ? {} : { limit: options.listLimit }),
  });
  return finishSummary(partial, options);
}

/** The dashboard summary of a partial summary (see summary-partial.ts). */
export function finishSummary(partial: PartialSummary, options: SummaryOptions = {}): DashboardSummary {
  const listLimit = options.listLimit ?? Number.POSITIVE_INFINITY;
  const hashOf = (run: ListedRun) => run[0].slice(0, -5);
  const families = new Map<string, number>();
  partial.families.forEach((count, code) => {
    if (count > 0) families.set(FAMILIES[code] as string, count);
  });
  const latest = partial.newest[0];
  const skipped = options.skipped ?? [];
  return {
    schema_version: SUMMARY_SCHEMA_VERSION,
    window: options.window ?? { since: null, until: null },
    generated_at: options.generatedAt ?? null,
    runs: {
      total: partial.total,
      success: partial.success,
      failed: partial.total - partial.success,
      success_rate: partial.total === 0 ? null : rate(partial.success, partial.total),
      latest_status: latest === undefined ? null : latest[3] ? 'ok' : 'error',
      success_streak: partial.streak,
    },
    top_templates: topOf(new Map(partial.templates)),
    top_actions: topOf(new Map(partial.actions)),
    workers: topOf(new Map(partial.workers), Number.POSITIVE_INFINITY),
    task_families: topOf(families, Number.POSITIVE_INFINITY),
    approvals: {
      approved: partial.approved,
      denied: partial.denied,
      failed_after_approval: partial.failedAfterApproval,
    },
    failures: partial.failures.slice(0, listLimit).map((run) => ({
      hash: hashOf(run),
      captured_at: run[1],
      task: run[4],
      status: 'error',
    })),
    records: partial.newest.slice(0, listLimit).map((run) => ({
      hash: hashOf(run),
      captured_at: run[1],
      status: run[3] ? 'ok' : 'error',
      task: run[4],
      action_count: run[5],
    })),
    series: partial.days.map(([day, runs, failed]) => ({
      day,
      runs,
      failures: failed,
      success_rate: rate(runs - failed, runs),
    })),
    skipped: { count: skipped.length, files: skipped },
  };
}
