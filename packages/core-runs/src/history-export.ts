import Papa from 'papaparse';
import { canonicalJson } from './canonical-json.js';
import type { RunRecord } from './run-record.js';

/** One row per run; the column order is part of the contract. */
export const HISTORY_CSV_COLUMNS = ['captured_at', 'hash', 'status', 'task', 'action_count'] as const;

export type HistoryExportFormat = 'csv' | 'json';

export interface HistorySummaryRow {
  captured_at: string;
  hash: string;
  status: string;
  task: string;
  action_count: number;
}

export function summarizeRecord(record: RunRecord): HistorySummaryRow {
  return {
    captured_at: record.captured_at,
    hash: record.hash,
    status: record.status,
    task: record.task,
    action_count: record.actions.length,
  };
}

/**
 * CSV with a header row. Cells that a spreadsheet would run as a formula
 * (`=`, `+`, `-`, `@`, tab, CR) are prefixed with `'` so opening the export
 * in Excel or Sheets never executes task text.
 */
/**
 * Cells a spreadsheet would run as a formula: starting with `=`, `+`, `-`,
 * `@`, tab or carriage return, whatever follows (papaparse's own default,
 * `/^[=+\-@\t\r].*$/`, misses cells with a line break after the first
 * character). Such cells are written with a leading `'`.
 */
export const CSV_FORMULA_PREFIX = /^[=+\-@\t\r]/;

export function renderHistoryCsv(rows: readonly HistorySummaryRow[]): string {
  const body = Papa.unparse(
    {
      fields: [...HISTORY_CSV_COLUMNS],
      data: rows.map((row) => HISTORY_CSV_COLUMNS.map((column) => row[column])),
    },
    { escapeFormulae: CSV_FORMULA_PREFIX, newline: '\n', quotes: false },
  );
  return `${body}\n`;
}

export function renderHistoryJson(rows: readonly HistorySummaryRow[]): string {
  return `${canonicalJson({ columns: HISTORY_CSV_COLUMNS, runs: rows })}\n`;
}

export function renderHistoryExport(records: readonly RunRecord[], format: HistoryExportFormat): string {
  const rows = records.map(summarizeRecord);
  return format === 'csv' ? renderHistoryCsv(rows) : renderHistoryJson(rows);
}
