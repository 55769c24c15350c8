import {
  type AgentConfig,
  type ApprovalGate,
  authorizeAction,
  NOT_REQUIRED,
  PolicyDeniedError,
  resolveWorkspacePath,
} from '@sdetkit/policy';
import type { ActionRegistry } from './action-registry.js';
import { type CachedProvider, providerCacheKey } from './cached-provider.js';
import { type Clock, formatCapturedAt } from './clock.js';
import { configSha256 } from './config-store.js';
import { describeError } from './describe-error.js';
import { type Plan, planTask, type TaskPlanner } from './manager.js';
import { createNoneProvider } from './none-provider.js';
import type { Provider } from './provider.js';
import { reviewRun } from './reviewer.js';
import {
  createRunRecord,
  type PolicyDecision,
  RUN_RECORD_SCHEMA_VERSION,
  type RunAction,
  type RunRecord,
  type RunStep,
} from './run-record.js';

export const WORKER_IDS = ['worker-1', 'worker-2'] as const;

export interface RunTaskOptions {
  task: string;
  /** Absolute workspace root; never stored. */
  workspaceRoot: string;
  config: AgentConfig;
  registry: ActionRegistry;
  approvalGate: ApprovalGate;
  /** Defaults to provider `none`. A cached provider also reports its keys into the record. */
  provider?: Provider | CachedProvider;
  planners?: readonly TaskPlanner[];
  clock?: Clock;
  /** Folders writable without approval for this run (e.g. a template's output dir). */
  extraWriteRoots?: readonly string[];
}

const NOT_EVALUATED: PolicyDecision = {
  verdict: 'not_evaluated',
  reason: 'not evaluated',
  approval: NOT_REQUIRED,
};

/**
 * One orchestrated run: the manager plans, workers execute each action
 * through policy (round-robin), the reviewer accepts or rejects. Failures and
 * denials are recorded, never thrown; the result is a sealed run record.
 */
export async function runTask(options: RunTaskOptions): Promise<RunRecord> {
  const { config, registry, workspaceRoot } = options;
  const shared = options.provider ?? createNoneProvider();
  // The record lists the cache keys of this run's own requests, even when the provider (and its cache) is shared.
  const runKeys: string[] = [];
  const provider: Provider = {
    id: shared.id,
    complete(request) {
      const key = providerCacheKey(request);
      if (!runKeys.includes(key)) runKeys.push(key);
      return shared.complete(request);
    },
  };
  const capturedAt = formatCapturedAt((options.clock ?? (() => new Date()))());
  const steps: RunStep[] = [];
  const actions: RunAction[] = [];
  const artifacts = new Set<string>();
  const skipped: { action: string; reason: string }[] = [];
  const roots = [workspaceRoot];
  const nextStepId = () => `step-${steps.length + 1}`;

  let plan: Plan = { source: 'none', actions: [], note: '' };
  let planError: string | undefined;
  try {
    plan = await planTask(options.task, {
      registry,
      provider,
      planners: options.planners ?? [],
      model: config.provider.model,
      maxActions: config.budgets.max_actions,
      tokenBudget: config.budgets.token_budget,
    });
  } catch (error) {
    planError = describeError(error, roots);
  }
  steps.push({
    step_id: nextStepId(),
    role: 'manager',
    kind: 'plan',
    action: null,
    message: planError ? `plan failed: ${planError}` : plan.note,
    status: planError ? 'error' : 'ok',
  });

  for (const [index, planned] of plan.actions.entries()) {
    if (index >= config.budgets.max_actions) {
      skipped.push({
        action: planned.action,
        reason: `budget max_actions=${config.budgets.max_actions} reached`,
      });
      continue;
    }
    // One step stays reserved for the reviewer.
    if (steps.length >= config.budgets.max_steps - 1) {
      skipped.push({
        action: planned.action,
        reason: `budget max_steps=${config.budgets.max_steps} reached`,
      });
      continue;
    }
    const workerId = WORKER_IDS[index % WORKER_IDS.length]!;
    const result = await executePlannedAction(planned.action, planned.params, workerId, {
      ...options,
      capturedAt,
    });
    actions.push(result.action);
    for (const artifact of result.artifacts) artifacts.add(artifact);
    steps.push({
      step_id: nextStepId(),
      role: 'worker',
      kind: 'action',
      action: planned.action,
      message: result.message,
      status: result.action.denied ? 'denied' : result.action.ok ? 'ok' : 'error',
    });
  }

  const review = reviewRun({ planError, planned: plan.actions.length, actions, skipped });
  // A model may comment on the run; acceptance stays with the rules and policy.
  let modelNote: string | undefined;
  if (provider.id !== 'none' && !planError) {
    const spent = (plan.usage?.prompt_tokens ?? 0) + (plan.usage?.completion_tokens ?? 0);
    if (config.budgets.token_budget && spent >= config.budgets.token_budget) {
      modelNote = 'skipped: token budget reached';
    } else {
      try {
        const answer = await provider.complete({
          kind: 'review',
          provider: provider.id,
          model: config.provider.model,
          task: options.task,
          actions: [],
          results: actions.map((a, i) => ({
            action: a.action,
            ok: a.ok,
            denied: a.denied,
            message: steps[i + 1]?.message ?? '',
          })),
        });
        modelNote = answer.text.trim().replace(/\s+/g, ' ').slice(0, 500);
      } catch (error) {
        modelNote = `unavailable: ${describeError(error, roots)}`;
      }
    }
  }
  steps.push({
    step_id: nextStepId(),
    role: 'reviewer',
    kind: 'review',
    action: null,
    message: modelNote ? `${review.message}; model note: ${modelNote}` : review.message,
    status: review.accepted ? 'ok' : 'error',
  });

  const cacheEnabled = isCachedProvider(shared) ? (shared.enabled ?? shared.report().enabled) : false;
  return createRunRecord({
    schema_version: RUN_RECORD_SCHEMA_VERSION,
    captured_at: capturedAt,
    task: options.task,
    status: review.accepted ? 'ok' : 'error',
    config_sha256: configSha256(config),
    steps,
    actions,
    outputs: {
      plan: {
        source: plan.source,
        note: plan.note,
        planned: plan.actions.length,
        ...(plan.fallback_reason ? { fallback_reason: plan.fallback_reason } : {}),
        ...(plan.usage ? { usage: plan.usage } : {}),
      },
      review: {
        accepted: review.accepted,
        reasons: review.reasons,
        ...(modelNote ? { model_note: modelNote } : {}),
      },
      artifacts: [...artifacts].sort(),
      skipped,
    },
    cache: { enabled: cacheEnabled, keys: cacheEnabled ? runKeys : [] },
  });
}

function isCachedProvider(provider: Provider): provider is CachedProvider {
  return typeof (provider as Partial<CachedProvider>).report === 'function';
}

interface ExecutedAction {
  action: RunAction;
  artifacts: string[];
  message: string;
}

/**
 * Validate params, evaluate policy (and approval), then run the handler.
 * Exported so other runners (templates) use exactly the same path.
 */
export async function executePlannedAction(
  actionId: string,
  rawParams: unknown,
  workerId: string,
  options: Pick<
    RunTaskOptions,
    'workspaceRoot' | 'config' | 'registry' | 'approvalGate' | 'extraWriteRoots'
  > & {
    signal?: AbortSignal;
    /** The run's timestamp, handed to the action. */
    capturedAt?: string;
  },
): Promise<ExecutedAction> {
  const { registry, workspaceRoot, config } = options;
  const roots = [workspaceRoot];
  const failed = (
    message: string,
    policy: PolicyDecision = NOT_EVALUATED,
    denied = false,
  ): ExecutedAction => ({
    action: {
      action: actionId,
      worker_id: workerId,
      params: rawParams,
      ok: false,
      approved: policy.approval.approved,
      denied,
      policy,
      payload: denied ? { reason: policy.reason } : { error: message },
    },
    artifacts: [],
    message,
  });

  const checked = registry.checkParams(actionId, rawParams);
  if (!checked.ok) return failed(checked.error);
  const definition = registry.get(actionId)!;
  const params = checked.params;

  let policy: PolicyDecision;
  try {
    const requests = definition.policy(params);
    const authorization = await authorizeAction(
      actionId,
      definition.summarize(params),
      requests,
      { workspaceRoot, config, extraWriteRoots: options.extraWriteRoots ?? [] },
      options.approvalGate,
    );
    policy = {
      verdict: authorization.verdict,
      reason: authorization.reason,
      approval: authorization.approval,
    };
    if (!authorization.allowed) return failed(`denied: ${authorization.reason}`, policy, true);
  } catch (error) {
    if (error instanceof PolicyDeniedError) {
      const decision: PolicyDecision = { verdict: 'denied', reason: error.message, approval: NOT_REQUIRED };
      return failed(`denied: ${error.message}`, decision, true);
    }
    return failed(`invalid params for ${actionId}: ${describeError(error, roots)}`);
  }

  try {
    const outcome = await definition.handler(params, {
      workspaceRoot,
      config,
      signal: options.signal ?? new AbortController().signal,
      capturedAt: options.capturedAt ?? formatCapturedAt(new Date()),
      resolvePath: async (relative) => (await resolveWorkspacePath(workspaceRoot, relative)).absolute,
    });
    return {
      action: {
        action: actionId,
        worker_id: workerId,
        params: rawParams,
        ok: outcome.ok,
        approved: policy.approval.approved,
        denied: false,
        policy,
        payload: outcome.payload,
      },
      artifacts: outcome.ok ? (outcome.artifacts ?? []) : [],
      message: `${definition.summarize(params)}: ${outcome.ok ? 'ok' : 'failed'}`,
    };
  } catch (error) {
    const message = `${actionId} failed: ${describeError(error, roots)}`;
    return { ...failed(message, policy), message };
  }
}
