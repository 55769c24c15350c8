import {
  FileHistoryStore,
  type HistoryExportFormat,
  renderHistoryCsv,
  renderHistoryJson,
  writeFileAtomic,
} from '@sdetkit/core-runs';
import { DEFAULT_HISTORY_EXPORT_CSV, DEFAULT_HISTORY_EXPORT_JSON } from '@sdetkit/policy';
import type { CommandResult } from '../command-result.js';
import { resolveFlagPath } from '../workspace-paths.js';

async function openStore(historyDir: string): Promise<FileHistoryStore> {
  const dir = await resolveFlagPath('--history-dir', historyDir);
  return new FileHistoryStore(dir.absolute, dir.relative);
}

/** Newest runs first: `[{hash, captured_at, status, task}]`. */
export async function historyListCommand(opts: {
  historyDir: string;
  limit?: number;
}): Promise<CommandResult> {
  const store = await openStore(opts.historyDir);
  const listing = await store.list(opts.limit === undefined ? {} : { limit: opts.limit });
  return {
    output: listing.records.map(({ hash, captured_at, status, task }) => ({
      hash,
      captured_at,
      status,
      task,
    })),
    exitCode: 0,
    warnings: listing.problems.map((p) => `skipped ${p.file}: ${p.reason}`),
  };
}

export async function historyExportCommand(opts: {
  historyDir: string;
  format: HistoryExportFormat;
  output?: string;
  since?: string;
  until?: string;
}): Promise<CommandResult> {
  // Loaded here only: `agent history` (list) never initializes the dashboard package.
  const { loadDashboardSummary, parseTimeWindow } = await import('@sdetkit/dashboard-renderers');
  const window = parseTimeWindow(opts.since, opts.until);
  const history = await resolveFlagPath('--history-dir', opts.historyDir);
  const output = await resolveFlagPath(
    '--output',
    opts.output ?? (opts.format === 'csv' ? DEFAULT_HISTORY_EXPORT_CSV : DEFAULT_HISTORY_EXPORT_JSON),
  );
  const summary = await loadDashboardSummary(history, { window });
  // Oldest first reads naturally in a spreadsheet and diffs well between exports.
  const rows = [...summary.records].reverse();
  await writeFileAtomic(
    output.absolute,
    opts.format === 'csv' ? renderHistoryCsv(rows) : renderHistoryJson(rows),
  );
  return {
    output: {
      status: 'ok',
      output: output.relative,
      format: opts.format,
      count: rows.length,
      window: summary.window,
      skipped: summary.skipped.files,
    },
    exitCode: 0,
    warnings: summary.skipped.files.map((p) => `skipped ${p.file}: ${p.reason}`),
  };
}
