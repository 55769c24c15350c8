import { z } from 'zod';
import type { ActionRegistry } from './action-registry.js';
import { checkModelPlan } from './model-plan.js';
import type { Provider } from './provider.js';

export interface PlannedAction {
  action: string;
  params: unknown;
}

export interface Plan {
  /** `explicit` (an `action ...` task), `rules` (keywords), `model`, or a planner's name. */
  source: string;
  actions: PlannedAction[];
  /** One line explaining the plan; lands in the plan step. */
  note: string;
  /** Why a model's plan was not used, when the rules planned instead. */
  fallback_reason?: string;
  /** Tokens the provider reported for planning. */
  usage?: { prompt_tokens: number; completion_tokens: number };
}

/**
 * A planner for a task form other packages own, e.g. `template:<id>` from
 * @sdetkit/templates. Registered into the orchestrator; core-runs never
 * imports the package that provides it.
 */
export interface TaskPlanner {
  name: string;
  matches(task: string): boolean;
  plan(task: string): Promise<Plan> | Plan;
}

const ACTION_TASK = /^action\s+(\S+)(?:\s+([\s\S]*))?$/;

/**
 * Parses `action <name> <json-params>`. Params that are not a JSON object
 * become `{"arg": "<text>"}`; missing params are `{}`.
 */
export function parseActionTask(task: string): PlannedAction | undefined {
  const match = ACTION_TASK.exec(task.trim());
  if (!match) return undefined;
  const action = match[1]!;
  const raw = (match[2] ?? '').trim();
  if (raw === '') return { action, params: {} };
  try {
    const parsed: unknown = JSON.parse(raw);
    if (parsed !== null && typeof parsed === 'object' && !Array.isArray(parsed))
      return { action, params: parsed };
  } catch {
    // Not JSON: fall through to {arg}.
  }
  return { action, params: { arg: raw } };
}

/** Rule-based plan from free text: every registered action whose keyword appears, in order of appearance. */
export function planFromKeywords(task: string, registry: ActionRegistry): Plan {
  const words = task.toLowerCase().match(/[a-z0-9_.-]+/g) ?? [];
  const hits: { index: number; action: string; params: unknown }[] = [];
  for (const definition of registry.list()) {
    const index = words.findIndex((word) => definition.keywords?.includes(word));
    if (index >= 0)
      hits.push({ index, action: definition.id, params: definition.plannedParams?.(task) ?? {} });
  }
  hits.sort((a, b) => a.index - b.index || (a.action < b.action ? -1 : 1));
  const actions = hits.map(({ action, params }) => ({ action, params }));
  const note =
    actions.length > 0
      ? `rule-based plan: ${actions.map((a) => a.action).join(', ')}`
      : 'rule-based plan: no registered action matches this request';
  return { source: 'rules', actions, note };
}

export interface ManagerOptions {
  registry: ActionRegistry;
  provider: Provider;
  planners: readonly TaskPlanner[];
  model: string;
  /** Budget for the plan (model plans over it fall back to the rules). */
  maxActions?: number;
  /** 0: unlimited. A model plan whose request used more tokens falls back to the rules. */
  tokenBudget?: number;
}

/**
 * The manager: explicit `action` tasks run as written, registered planners
 * handle their task forms, and free text goes to the provider (for `none`,
 * straight to the keyword rules).
 */
export async function planTask(task: string, options: ManagerOptions): Promise<Plan> {
  const explicit = parseActionTask(task);
  if (explicit)
    return { source: 'explicit', actions: [explicit], note: `explicit action ${explicit.action}` };
  const planner = options.planners.find((candidate) => candidate.matches(task));
  if (planner) return planner.plan(task);
  const isModel = options.provider.id !== 'none';
  const maxActions = options.maxActions ?? 4;
  // The provider is consulted for every free-text task so its request is cached and replayable.
  const response = await options.provider.complete({
    kind: 'plan',
    provider: options.provider.id,
    model: options.model,
    task,
    actions: options.registry.list().map((a) =>
      isModel
        ? {
            id: a.id,
            description: a.description,
            input_schema: z.toJSONSchema(a.input, { io: 'input', unrepresentable: 'any' }),
          }
        : a.id,
    ),
    max_actions: maxActions,
  });
  const rules = planFromKeywords(task, options.registry);
  if (!isModel) return rules;
  const usage = response.usage;
  const spent = usage ? usage.prompt_tokens + usage.completion_tokens : 0;
  const check =
    options.tokenBudget && spent > options.tokenBudget
      ? ({
          ok: false,
          reason: `token budget ${options.tokenBudget} exceeded by the plan request (${spent} tokens)`,
        } as const)
      : checkModelPlan(response.plan, options.registry, maxActions);
  if (check.ok)
    return { source: 'model', actions: check.actions, note: check.note, ...(usage ? { usage } : {}) };
  return {
    ...rules,
    note: `${rules.note} (model plan not used: ${check.reason})`,
    fallback_reason: check.reason,
    ...(usage ? { usage } : {}),
  };
}
