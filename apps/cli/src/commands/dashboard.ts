import { formatCapturedAt } from '@sdetkit/core-runs';
import {
  buildDashboard,
  type DashboardFormat,
  DEFAULT_SUMMARY_OUTPUT,
  defaultDashboardOutput,
  evaluateGate,
  loadDashboardSummary,
  parseSuccessRate,
  parseTimeWindow,
} from '@sdetkit/dashboard-renderers';
import { ValidationError } from '@sdetkit/policy';
import type { CommandResult } from '../command-result.js';
import { resolveFlagPath } from '../workspace-paths.js';

export interface DashboardBuildOptions {
  historyDir: string;
  format: DashboardFormat;
  output?: string;
  summaryOutput?: string;
  since?: string;
  until?: string;
  generatedAt?: string;
}

/** `--generated-at now|<timestamp>`, else SOURCE_DATE_EPOCH, else none (byte-identical builds). */
function generatedAt(flag: string | undefined): string | null {
  if (flag === 'now') return formatCapturedAt(new Date());
  if (flag !== undefined) {
    const date = new Date(flag);
    if (Number.isNaN(date.getTime()))
      throw new ValidationError(`--generated-at: expected 'now' or an ISO timestamp, got ${flag}`);
    return formatCapturedAt(date);
  }
  const epoch = process.env.SOURCE_DATE_EPOCH;
  return epoch && /^\d+$/.test(epoch) ? formatCapturedAt(new Date(Number(epoch) * 1000)) : null;
}

export async function dashboardBuildCommand(opts: DashboardBuildOptions): Promise<CommandResult> {
  const window = parseTimeWindow(opts.since, opts.until);
  const history = await resolveFlagPath('--history-dir', opts.historyDir);
  const output = await resolveFlagPath('--output', opts.output ?? defaultDashboardOutput(opts.format));
  const summaryOutput =
    opts.format === 'html'
      ? await resolveFlagPath('--summary-output', opts.summaryOutput ?? DEFAULT_SUMMARY_OUTPUT)
      : undefined;
  const result = await buildDashboard({
    history,
    format: opts.format,
    output,
    ...(summaryOutput ? { summaryOutput } : {}),
    window,
    generatedAt: generatedAt(opts.generatedAt),
  });
  return {
    output: result,
    exitCode: 0,
    warnings: result.skipped.files.map((p) => `skipped ${p.file}: ${p.reason}`),
  };
}

export interface DashboardGateOptions {
  historyDir: string;
  minSuccessRate: string;
  maxFailures?: number;
  since?: string;
  until?: string;
  allowEmpty?: boolean;
}

/** Quality gate: exit 1 with a one-line reason when a threshold is not met. */
export async function dashboardGateCommand(opts: DashboardGateOptions): Promise<CommandResult> {
  const thresholds = {
    min_success_rate: parseSuccessRate(opts.minSuccessRate),
    max_failures: opts.maxFailures ?? null,
    allow_empty: opts.allowEmpty === true,
  };
  const window = parseTimeWindow(opts.since, opts.until);
  const history = await resolveFlagPath('--history-dir', opts.historyDir);
  // A gate needs the counts, not the lists.
  const summary = await loadDashboardSummary(history, { window, listLimit: 0 });
  const result = evaluateGate(summary, thresholds);
  return {
    output: result,
    exitCode: result.ok ? 0 : 1,
    notes: result.ok ? [] : [result.reason],
  };
}
