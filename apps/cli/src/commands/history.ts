import {
  FileHistoryStore,
  type HistoryExportFormat,
  renderHistoryExport,
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
}): Promise<CommandResult> {
  const store = await openStore(opts.historyDir);
  const output = await resolveFlagPath(
    '--output',
    opts.output ?? (opts.format === 'csv' ? DEFAULT_HISTORY_EXPORT_CSV : DEFAULT_HISTORY_EXPORT_JSON),
  );
  const listing = await store.list();
  // Oldest first reads naturally in a spreadsheet and diffs well between exports.
  const records = [...listing.records].reverse();
  await writeFileAtomic(output.absolute, renderHistoryExport(records, opts.format));
  return {
    output: {
      status: 'ok',
      output: output.relative,
      format: opts.format,
      count: records.length,
      skipped: listing.problems,
    },
    exitCode: 0,
    warnings: listing.problems.map((p) => `skipped ${p.file}: ${p.reason}`),
  };
}
