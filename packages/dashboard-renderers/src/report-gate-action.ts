import { defineAction } from '@sdetkit/core-runs';
import { DEFAULT_HISTORY_DIR } from '@sdetkit/policy';
import { z } from 'zod';
import { loadDashboardSummary } from './dashboard-build.js';
import { evaluateGate, parseSuccessRate } from './dashboard-gate.js';
import { parseTimeWindow } from './time-window.js';

const optionalDate = z
  .string()
  .optional()
  .transform((v) => (v === '' ? undefined : v));

/** `report.gate`: the dashboard quality gate as an action; fails when a threshold is not met. */
export const reportGateAction = defineAction({
  id: 'report.gate',
  description:
    'Quality gate on run history: fails when the success rate is below the minimum or failures exceed the maximum.',
  input: z.strictObject({
    min_success_rate: z.union([z.number(), z.string()]).transform((v) => parseSuccessRate(String(v))),
    max_failures: z.number().int().min(0).nullable().default(null),
    history_dir: z.string().min(1).default(DEFAULT_HISTORY_DIR),
    since: optionalDate,
    until: optionalDate,
    allow_empty: z.boolean().default(false),
  }),
  examples: [{ min_success_rate: '95%' }, { min_success_rate: 0.9, max_failures: 0, since: '2024-03-01' }],
  policy: (p) => [{ kind: 'read', path: p.history_dir }],
  summarize: (p) => `gate: success rate >= ${Math.round(p.min_success_rate * 1000) / 10}%`,
  async handler(p, ctx) {
    const summary = await loadDashboardSummary(
      { absolute: await ctx.resolvePath(p.history_dir), relative: p.history_dir },
      // A gate needs the counts, not the lists.
      { window: parseTimeWindow(p.since, p.until, { prefix: '' }), allowMissingHistory: true, listLimit: 0 },
    );
    const result = evaluateGate(summary, {
      min_success_rate: p.min_success_rate,
      max_failures: p.max_failures,
      allow_empty: p.allow_empty,
    });
    return { ok: result.ok, payload: { ...result } };
  },
});
