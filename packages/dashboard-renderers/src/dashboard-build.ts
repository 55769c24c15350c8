import { sha256Hex, writeFileAtomic } from '@sdetkit/core-runs';
import { DEFAULT_WORKDIR, isSdetkitError } from '@sdetkit/policy';
import { summarizeHistoryFolder } from './history-scan.js';
import { createTableBuilder } from './history-table.js';
import { renderCsv } from './render-csv.js';
import { HTML_LIST_LIMIT, renderHtml } from './render-html.js';
import { renderJson } from './render-json.js';
import { MARKDOWN_LIST_LIMIT, renderMarkdown } from './render-markdown.js';
import { type DashboardSummary, summarizeTable, TASK_CLASSIFIER } from './summarize-history.js';
import type { TimeWindow } from './time-window.js';

export const DASHBOARD_FORMATS = ['json', 'md', 'html', 'csv'] as const;
export type DashboardFormat = (typeof DASHBOARD_FORMATS)[number];

export const DEFAULT_DASHBOARD_FORMAT: DashboardFormat = 'html';
export const DEFAULT_SUMMARY_OUTPUT = `${DEFAULT_WORKDIR}/agent-summary.md`;

/** `.sdetkit/agent/workdir/agent-dashboard.<ext>`. */
export function defaultDashboardOutput(format: DashboardFormat): string {
  return `${DEFAULT_WORKDIR}/agent-dashboard.${format}`;
}

/** A path already checked against the workspace: absolute for I/O, relative for output. */
export interface WorkspaceFile {
  absolute: string;
  relative: string;
}

export interface BuildDashboardOptions {
  history: WorkspaceFile;
  format: DashboardFormat;
  output: WorkspaceFile;
  /** html only: where the markdown summary goes. */
  summaryOutput?: WorkspaceFile;
  window?: TimeWindow;
  /** Printed in the dashboard only when given (keeps output byte-identical otherwise). */
  generatedAt?: string | null;
  useIndex?: boolean;
  /** Treat a missing history folder as empty instead of an error (agent and template runs on fresh workspaces). */
  allowMissingHistory?: boolean;
}

export interface DashboardBuildResult {
  status: 'ok';
  output: string;
  format: DashboardFormat;
  markdown_summary: string | null;
  runs: DashboardSummary['runs'];
  skipped: DashboardSummary['skipped'];
  sha256: string;
}

export function renderDashboard(summary: DashboardSummary, format: DashboardFormat): string {
  switch (format) {
    case 'json':
      return renderJson(summary);
    case 'md':
      return renderMarkdown(summary);
    case 'csv':
      return renderCsv(summary);
    case 'html':
      return renderHtml(summary);
  }
}

/** Loads the window's summary from a history folder. */
export async function loadDashboardSummary(
  history: WorkspaceFile,
  options: {
    window?: TimeWindow;
    generatedAt?: string | null;
    useIndex?: boolean;
    allowMissingHistory?: boolean;
    /** See `SummaryOptions.listLimit`. */
    listLimit?: number;
  } = {},
): Promise<DashboardSummary> {
  const summaryOptions = {
    ...(options.window ? { window: options.window } : {}),
    ...(options.listLimit === undefined ? {} : { listLimit: options.listLimit }),
    generatedAt: options.generatedAt ?? null,
  };
  try {
    const { summary } = await summarizeHistoryFolder(history.absolute, {
      displayDir: history.relative,
      ...(options.useIndex === undefined ? {} : { useIndex: options.useIndex }),
      ...summaryOptions,
    });
    return summary;
  } catch (error) {
    if (options.allowMissingHistory !== true || !isSdetkitError(error) || error.code !== 'not_found')
      throw error;
    return summarizeTable(createTableBuilder(TASK_CLASSIFIER).build(), summaryOptions);
  }
}

/**
 * Scans history, summarizes the window, renders one format and writes it
 * atomically (html also writes the markdown summary). Same history and
 * options give byte-identical files.
 */
export async function buildDashboard(options: BuildDashboardOptions): Promise<DashboardBuildResult> {
  // html and md show only the newest runs and failures; json and csv carry them all.
  const listed = options.format === 'html' || options.format === 'md';
  const summary = await loadDashboardSummary(options.history, {
    ...options,
    ...(listed ? { listLimit: Math.max(HTML_LIST_LIMIT, MARKDOWN_LIST_LIMIT) } : {}),
  });
  let markdownSummary: string | null = null;
  if (options.format === 'html' && options.summaryOutput) {
    await writeFileAtomic(options.summaryOutput.absolute, renderMarkdown(summary));
    markdownSummary = options.summaryOutput.relative;
  }
  const content = renderDashboard(summary, options.format);
  await writeFileAtomic(options.output.absolute, content);
  return {
    status: 'ok',
    output: options.output.relative,
    format: options.format,
    markdown_summary: markdownSummary,
    runs: summary.runs,
    skipped: summary.skipped,
    sha256: sha256Hex(content),
  };
}
