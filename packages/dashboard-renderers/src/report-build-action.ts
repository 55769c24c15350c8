import { defineAction } from '@sdetkit/core-runs';
import { DEFAULT_HISTORY_DIR } from '@sdetkit/policy';
import { z } from 'zod';
import {
  buildDashboard,
  DASHBOARD_FORMATS,
  DEFAULT_SUMMARY_OUTPUT,
  defaultDashboardOutput,
} from './dashboard-build.js';
import { parseTimeWindow } from './time-window.js';

const paramsSchema = z.strictObject({
  format: z.enum(DASHBOARD_FORMATS).default('html'),
  output: z.string().min(1).optional(),
  summary_output: z.string().min(1).optional(),
  history_dir: z.string().min(1).default(DEFAULT_HISTORY_DIR),
  // Empty means no bound, so templates can pass an unset input through.
  since: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
  until: z
    .string()
    .optional()
    .transform((v) => (v === '' ? undefined : v)),
});

type ReportParams = z.output<typeof paramsSchema>;

function outputsOf(params: ReportParams): { output: string; summary: string | null } {
  return {
    output: params.output ?? defaultDashboardOutput(params.format),
    summary: params.format === 'html' ? (params.summary_output ?? DEFAULT_SUMMARY_OUTPUT) : null,
  };
}

/** Builds a governance dashboard from run history, under policy like any action. */
export const reportBuildAction = defineAction({
  id: 'report.build',
  description:
    'Build the governance dashboard (json, md, html with charts, or csv) from run history; html also writes the markdown summary.',
  input: paramsSchema,
  examples: [
    {},
    { format: 'md', output: '.sdetkit/agent/workdir/weekly.md', since: '2024-03-01', until: '2024-03-07' },
  ],
  keywords: ['report', 'dashboard'],
  plannedParams: () => ({}),
  policy(params) {
    const { output, summary } = outputsOf(params);
    return [
      { kind: 'read', path: params.history_dir },
      { kind: 'write', path: output },
      ...(summary ? [{ kind: 'write' as const, path: summary }] : []),
    ];
  },
  summarize: (params) => `build ${params.format} dashboard at ${outputsOf(params).output}`,
  async handler(params, ctx) {
    const { output, summary } = outputsOf(params);
    const file = async (relative: string) => ({ absolute: await ctx.resolvePath(relative), relative });
    const result = await buildDashboard({
      history: await file(params.history_dir),
      format: params.format,
      output: await file(output),
      ...(summary ? { summaryOutput: await file(summary) } : {}),
      // Errors name the action's parameters (`since: ...`), not the CLI's flags.
      window: parseTimeWindow(params.since, params.until, { prefix: '' }),
      // A fresh workspace has no history yet: its dashboard says "no runs".
      allowMissingHistory: true,
    });
    return {
      ok: true,
      payload: { ...result },
      artifacts: [result.output, ...(result.markdown_summary ? [result.markdown_summary] : [])],
    };
  },
});
