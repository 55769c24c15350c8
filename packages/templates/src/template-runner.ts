import { mkdir } from 'node:fs/promises';
import path from 'node:path';
import {
  type ActionRegistry,
  type Clock,
  canonicalHash,
  canonicalJson,
  describeError,
  executePlannedAction,
  formatCapturedAt,
  writeFileAtomic,
} from '@sdetkit/core-runs';
import {
  AGENT_DIR,
  type AgentConfig,
  type ApprovalGate,
  evaluatePolicy,
  resolveWorkspacePath,
  ValidationError,
} from '@sdetkit/policy';
import { type InputNaming, maskSecretInputs, resolveInputs } from './input-values.js';
import {
  evaluateCondition,
  type InterpolationContext,
  interpolate,
  parseCondition,
} from './interpolation.js';
import { REDACTED, redactFile, redactValue } from './secret-redaction.js';
import {
  RUN_RECORD_FILE,
  sealTemplateRunRecord,
  TEMPLATE_RUN_SCHEMA_VERSION,
  type TemplateRunRecord,
  type TemplateStepRecord,
} from './template-run-record.js';
import type { LoadedTemplate } from './template-schema.js';

/** `.sdetkit/agent/template-runs/<id>`. */
export function defaultTemplateOutputDir(id: string): string {
  return `${AGENT_DIR}/template-runs/${id}`;
}

export interface TemplateRunOptions {
  template: LoadedTemplate;
  /** `--set` values (strings are typed against each input) or typed values. */
  inputs?: Record<string, unknown>;
  /** How input errors name an input (default `flags`: `--set name`; `body`: `inputs.name`). */
  inputNaming?: InputNaming;
  /** Workspace-relative; default `.sdetkit/agent/template-runs/<id>`. */
  outputDir?: string;
  workspaceRoot: string;
  config: AgentConfig;
  registry: ActionRegistry;
  approvalGate: ApprovalGate;
  clock?: Clock;
  /** Where declared secrets are read from (default process.env). */
  env?: Record<string, string | undefined>;
}

interface Prepared {
  outputDir: { absolute: string; relative: string };
  capturedAt: string;
  inputs: Record<string, unknown>;
  context: InterpolationContext;
  secretValues: string[];
}

async function prepare(options: TemplateRunOptions): Promise<Prepared> {
  const { definition } = options.template;
  const relative = options.outputDir ?? defaultTemplateOutputDir(definition.metadata.id);
  let outputDir: { absolute: string; relative: string };
  try {
    outputDir = await resolveWorkspacePath(options.workspaceRoot, relative);
  } catch (error) {
    throw new ValidationError(`--output-dir: ${(error as Error).message}`, '--output-dir');
  }
  if (outputDir.relative === '.')
    throw new ValidationError('--output-dir: must be a folder below the workspace root');
  const capturedAt = formatCapturedAt((options.clock ?? (() => new Date()))());
  const env = options.env ?? process.env;
  const secrets: Record<string, string> = {};
  for (const name of definition.secrets) {
    const value = env[name];
    if (value === undefined || value === '') {
      throw new ValidationError(
        `secrets.${name}: environment variable ${name} is not set (declared by ${definition.metadata.id})`,
      );
    }
    secrets[name] = value;
  }
  const runId = canonicalHash({
    template: definition.metadata.id,
    version: definition.metadata.version,
    at: capturedAt,
    dir: outputDir.relative,
  }).slice(0, 16);
  const run = { output_dir: outputDir.relative, id: runId };
  const inputs = resolveInputs(definition, options.inputs ?? {}, run, options.inputNaming);
  const secretValues = [
    ...Object.values(secrets),
    ...Object.entries(inputs)
      .filter(([name, value]) => definition.inputs[name]?.secret && typeof value === 'string')
      .map(([, value]) => value as string),
  ];
  const { id, title, version, description } = definition.metadata;
  return {
    outputDir,
    capturedAt,
    inputs,
    secretValues,
    context: { inputs, run, template: { id, title, version, description }, steps: {}, secrets },
  };
}

function withTimeout<T>(
  work: (signal: AbortSignal) => Promise<T>,
  seconds: number | undefined,
): Promise<T | 'timeout'> {
  const controller = new AbortController();
  if (seconds === undefined) return work(controller.signal);
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((resolve) => {
    timer = setTimeout(() => {
      controller.abort();
      resolve('timeout');
    }, seconds * 1000);
  });
  return Promise.race([work(controller.signal), timeout]).finally(() => clearTimeout(timer));
}

/**
 * Runs a template: every step goes through the same action registry and
 * policy path as `agent run` (its own output folder is writable without
 * approval). `if` skips, `continue-on-error` records the failure and goes
 * on, `timeout` aborts the step. Secrets never reach the record or the
 * files the run wrote. Writes `<output_dir>/run-record.json` atomically.
 */
export async function runTemplate(options: TemplateRunOptions): Promise<TemplateRunRecord> {
  const { definition } = options.template;
  const prepared = await prepare(options);
  const { context, secretValues, outputDir } = prepared;
  // The run's own folder exists before any step, so steps may read it (bundle it, list it).
  await mkdir(outputDir.absolute, { recursive: true });
  const steps: TemplateStepRecord[] = [];
  const artifacts = new Set<string>();
  let status: 'ok' | 'error' = 'ok';
  let redacted = false;
  const budget = options.config.budgets.max_template_steps;
  let executed = 0;

  for (const [index, step] of definition.workflow.entries()) {
    const where = `${options.template.source}: workflow.${index}`;
    const base = { index, id: step.id, action: step.action, continue_on_error: step['continue-on-error'] };
    if (executed >= budget) {
      // One entry for the first step not run, not thousands: the record stays small.
      const rest = definition.workflow.length - index;
      const message = `not run: budget max_template_steps=${budget} reached (${rest} step(s) not run)`;
      steps.push({
        ...base,
        params: null,
        ok: false,
        outcome: 'failure',
        approved: false,
        denied: false,
        policy: null,
        message,
        payload: { error: message },
      });
      status = 'error';
      break;
    }
    if (step.if !== undefined && !evaluateCondition(step.if, context, `${where}.if`)) {
      context.steps[step.id] = { outputs: {}, outcome: 'skipped' };
      steps.push({
        ...base,
        params: null,
        ok: true,
        outcome: 'skipped',
        approved: false,
        denied: false,
        policy: null,
        message: `skipped: if ${String(step.if)}`,
        payload: null,
      });
      continue;
    }
    executed++;
    let params: unknown;
    try {
      params = interpolate(step.with, context, `${where}.with`);
    } catch (error) {
      throw error instanceof ValidationError
        ? error
        : new ValidationError(`${where}.with: ${(error as Error).message}`);
    }
    const result = await withTimeout(
      (signal) =>
        executePlannedAction(step.action, params, 'template', {
          workspaceRoot: options.workspaceRoot,
          config: options.config,
          registry: options.registry,
          approvalGate: options.approvalGate,
          extraWriteRoots: [outputDir.relative],
          signal,
          capturedAt: prepared.capturedAt,
        }),
      step.timeout,
    );
    let record: TemplateStepRecord;
    if (result === 'timeout') {
      record = {
        ...base,
        params,
        ok: false,
        outcome: 'failure',
        approved: false,
        denied: false,
        policy: null,
        message: `timed out after ${step.timeout}s`,
        payload: { error: `timed out after ${step.timeout}s` },
      };
    } else {
      const { action } = result;
      for (const artifact of result.artifacts) {
        artifacts.add(artifact);
        const file = await resolveWorkspacePath(options.workspaceRoot, artifact).catch(() => undefined);
        if (file && (await redactFile(file.absolute, secretValues))) redacted = true;
      }
      record = {
        ...base,
        params,
        ok: action.ok,
        outcome: action.ok ? 'success' : 'failure',
        approved: action.approved,
        denied: action.denied,
        policy: action.policy,
        message: result.message,
        payload: action.payload,
      };
    }
    const payload = record.payload;
    context.steps[step.id] = {
      outputs:
        payload !== null && typeof payload === 'object' && !Array.isArray(payload)
          ? (payload as Record<string, unknown>)
          : {},
      outcome: record.outcome === 'success' ? 'success' : 'failure',
    };
    const safe = redactValue(record, secretValues);
    if (canonicalJson(safe) !== canonicalJson(record)) redacted = true;
    steps.push(safe);
    if (!record.ok && !step['continue-on-error']) {
      status = 'error';
      break;
    }
  }

  const sealed = sealTemplateRunRecord({
    schema_version: TEMPLATE_RUN_SCHEMA_VERSION,
    captured_at: prepared.capturedAt,
    template: definition.metadata.id,
    template_version: definition.metadata.version,
    template_sha256: options.template.sha256,
    run_id: context.run.id,
    output_dir: outputDir.relative,
    inputs: redactValue(maskSecretInputs(definition, prepared.inputs), secretValues),
    status,
    steps,
    artifacts: [...artifacts].sort(),
    redacted,
  });
  await writeFileAtomic(path.join(outputDir.absolute, RUN_RECORD_FILE), `${canonicalJson(sealed)}\n`);
  return sealed;
}

export interface PlannedStep {
  index: number;
  id: string;
  action: string;
  /** `true`, `false`, or `runtime` when it depends on earlier steps. */
  runs: 'true' | 'false' | 'runtime';
  params: unknown;
  verdict: 'allowed' | 'needs_approval' | 'denied' | 'invalid';
  reason: string;
}

export interface TemplatePlan {
  dry_run: true;
  template: string;
  template_version: string;
  output_dir: string;
  inputs: Record<string, unknown>;
  status: 'ok' | 'error';
  steps: PlannedStep[];
  /** Set when the workflow has more steps than `budgets.max_template_steps` lets run. */
  budget_exceeded?: string;
}

/**
 * A dry run: renders every step (step outputs shown as placeholders),
 * checks params against each action's schema and gives each step's policy
 * verdict. Writes nothing, runs nothing, asks no one.
 */
export async function planTemplate(options: TemplateRunOptions): Promise<TemplatePlan> {
  const { definition } = options.template;
  const prepared = await prepare(options);
  const { context, secretValues, outputDir } = prepared;
  const placeholder = (ref: string) => `<${ref}>`;
  const steps: PlannedStep[] = [];
  for (const [index, step] of definition.workflow.entries()) {
    const where = `${options.template.source}: workflow.${index}`;
    let runs: PlannedStep['runs'] = 'true';
    if (typeof step.if === 'string' && parseCondition(step.if, `${where}.if`).ref.startsWith('steps.'))
      runs = 'runtime';
    else if (step.if !== undefined)
      runs = evaluateCondition(step.if, context, `${where}.if`) ? 'true' : 'false';
    const params = interpolate(step.with, context, `${where}.with`, placeholder);
    const shown = redactValue(params, secretValues);
    const checked = options.registry.checkParams(step.action, params);
    if (!checked.ok) {
      steps.push({
        index,
        id: step.id,
        action: step.action,
        runs,
        params: shown,
        verdict: 'invalid',
        reason: checked.error,
      });
      continue;
    }
    const definitionOf = options.registry.get(step.action)!;
    let verdict: PlannedStep['verdict'];
    let reason: string;
    try {
      const evaluated = await evaluatePolicy(definitionOf.policy(checked.params), {
        workspaceRoot: options.workspaceRoot,
        config: options.config,
        extraWriteRoots: [outputDir.relative],
      });
      verdict = evaluated.verdict;
      reason = evaluated.reason;
    } catch (error) {
      verdict = 'invalid';
      reason = describeError(error, [options.workspaceRoot]);
    }
    steps.push({
      index,
      id: step.id,
      action: step.action,
      runs,
      params: shown,
      verdict,
      reason: redactValue(reason, secretValues),
    });
  }
  const budget = options.config.budgets.max_template_steps;
  const overBudget = definition.workflow.length > budget;
  const blocked =
    overBudget ||
    steps.some((s) => s.runs !== 'false' && (s.verdict === 'denied' || s.verdict === 'invalid'));
  return {
    dry_run: true,
    template: definition.metadata.id,
    template_version: definition.metadata.version,
    output_dir: outputDir.relative,
    inputs: redactValue(maskSecretInputs(definition, prepared.inputs), secretValues),
    status: blocked ? 'error' : 'ok',
    steps,
    ...(overBudget
      ? {
          budget_exceeded: `workflow has ${definition.workflow.length} steps; at most ${budget} run (budgets.max_template_steps)`,
        }
      : {}),
  };
}

export { REDACTED };
