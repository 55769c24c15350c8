import { z } from 'zod';
import type { ActionRegistry } from './action-registry.js';
import type { PlannedAction } from './manager.js';

const modelPlanSchema = z.object({
  actions: z.array(
    z.object({ action: z.string().min(1), params: z.record(z.string(), z.unknown()).default({}) }),
  ),
  note: z.string().optional(),
});

export type ModelPlanCheck =
  | { ok: true; actions: PlannedAction[]; note: string }
  | { ok: false; reason: string };

/**
 * Checks a model's plan: well-formed, only registered actions, params that
 * pass each action's schema, within budget. Anything else is a reason to
 * fall back to the rule-based plan (recorded in the run).
 */
export function checkModelPlan(plan: unknown, registry: ActionRegistry, maxActions: number): ModelPlanCheck {
  if (plan === null || plan === undefined) return { ok: false, reason: 'model answer is not a JSON plan' };
  const parsed = modelPlanSchema.safeParse(plan);
  if (!parsed.success) {
    const issue = parsed.error.issues[0]!;
    return {
      ok: false,
      reason: `model plan is malformed at ${issue.path.join('.') || '(root)'}: ${issue.message}`,
    };
  }
  if (parsed.data.actions.length > maxActions) {
    return {
      ok: false,
      reason: `model planned ${parsed.data.actions.length} actions, over budget max_actions=${maxActions}`,
    };
  }
  for (const [i, planned] of parsed.data.actions.entries()) {
    const check = registry.checkParams(planned.action, planned.params);
    if (!check.ok) return { ok: false, reason: `model plan action ${i}: ${check.error}` };
  }
  return {
    ok: true,
    actions: parsed.data.actions.map((a) => ({ action: a.action, params: a.params })),
    note: parsed.data.note
      ? `model plan: ${parsed.data.note}`
      : `model plan: ${parsed.data.actions.map((a) => a.action).join(', ') || 'nothing to do'}`,
  };
}
