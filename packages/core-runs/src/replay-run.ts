import { cp, mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { type ApprovalDecision, type ApprovalGate, ValidationError } from '@sdetkit/policy';
import type { ActionRegistry } from './action-registry.js';
import { createCachedProvider } from './cached-provider.js';
import { canonicalJson } from './canonical-json.js';
import { ConfigStore } from './config-store.js';
import type { HistoryStore } from './history-store.js';
import type { TaskPlanner } from './manager.js';
import { runTask } from './orchestrator.js';
import { createProviderFromConfig } from './provider-factory.js';
import type { RunRecord } from './run-record.js';

/** Folders never copied into the scratch workspace. */
const NOT_COPIED = new Set(['.git', 'node_modules']);
const NOT_COPIED_AGENT = [
  'history',
  'template-runs',
  'conversations',
  'rate_limits',
  'ledger.jsonl',
  'ledger.lock',
];

export interface ReplayDifference {
  /** Dotted path of the first differing field, e.g. `actions.0.payload.sha256`. */
  field: string;
  recorded: unknown;
  replayed: unknown;
}

export interface ReplayResult {
  hash: string;
  result: 'match' | 'mismatch';
  replayed_hash: string;
  first_difference: ReplayDifference | null;
}

export interface ReplayOptions {
  hash: string;
  workspaceRoot: string;
  /** Absolute `.sdetkit/agent` folder (configs and provider cache live there). */
  agentDir: string;
  history: HistoryStore;
  /** Builds the action set for a workspace root (the scratch copy). */
  runtime: (
    workspaceRoot: string,
    gate: ApprovalGate,
  ) => { registry: ActionRegistry; planners: readonly TaskPlanner[] };
}

/** Replays recorded approval decisions in order; asks no one. */
function recordedGate(record: RunRecord): ApprovalGate {
  const decisions: ApprovalDecision[] = record.actions
    .map((a) => a.policy.approval)
    .filter((approval) => approval.required);
  let next = 0;
  return {
    async decide() {
      const recorded = decisions[next++];
      return (
        recorded ?? {
          required: true,
          approved: false,
          method: 'non-interactive',
          reason: 'no recorded decision',
        }
      );
    },
  };
}

/** The first field where two JSON values differ, in key order. */
export function firstDifference(recorded: unknown, replayed: unknown, at = ''): ReplayDifference | null {
  if (canonicalJson(recorded ?? null) === canonicalJson(replayed ?? null)) return null;
  const isObject = (v: unknown) => v !== null && typeof v === 'object';
  if (isObject(recorded) && isObject(replayed) && Array.isArray(recorded) === Array.isArray(replayed)) {
    const keys = Array.isArray(recorded)
      ? Array.from({ length: Math.max(recorded.length, (replayed as unknown[]).length) }, (_, i) => String(i))
      : [...new Set([...Object.keys(recorded as object), ...Object.keys(replayed as object)])].sort();
    // Report the fields people look at first.
    const order = ['status', 'steps', 'actions', 'outputs'];
    keys.sort((a, b) => (order.indexOf(a) + 1 || 99) - (order.indexOf(b) + 1 || 99) || (a < b ? -1 : 1));
    for (const key of keys) {
      const diff = firstDifference(
        (recorded as Record<string, unknown>)[key],
        (replayed as Record<string, unknown>)[key],
        at ? `${at}.${key}` : key,
      );
      if (diff) return diff;
    }
  }
  return { field: at || '(record)', recorded, replayed };
}

/**
 * Re-executes a recorded run with its recorded config, approval decisions,
 * clock (`captured_at`) and provider cache, in a scratch copy of the
 * workspace (the real one is never touched), and compares the new record.
 */
export async function replayRun(options: ReplayOptions): Promise<ReplayResult> {
  const record = await options.history.get(options.hash);
  const config = await new ConfigStore(options.agentDir).load(record.config_sha256);
  if (!config) {
    throw new ValidationError(
      `replay ${options.hash}: config snapshot ${record.config_sha256.slice(0, 12)}… is missing from .sdetkit/agent/configs (runs recorded before snapshots cannot be replayed)`,
    );
  }
  const scratch = await realpath(await mkdtemp(path.join(tmpdir(), 'sdetkit-replay-')));
  try {
    const agentRel = path.relative(options.workspaceRoot, options.agentDir);
    await cp(options.workspaceRoot, scratch, {
      recursive: true,
      verbatimSymlinks: true,
      filter: (source) => {
        const rel = path.relative(options.workspaceRoot, source);
        if (rel === '') return true;
        if (NOT_COPIED.has(rel.split(path.sep)[0]!)) return false;
        const inAgent = path.relative(agentRel, rel);
        return !NOT_COPIED_AGENT.some((name) => inAgent === name || inAgent.startsWith(`${name}${path.sep}`));
      },
    });
    const gate = recordedGate(record);
    const { registry, planners } = options.runtime(scratch, gate);
    const replayed = await runTask({
      task: record.task,
      workspaceRoot: scratch,
      config,
      registry,
      planners,
      approvalGate: gate,
      // Served from the recorded cache; only a miss would reach the configured provider.
      provider: createCachedProvider(createProviderFromConfig(config), {
        cacheDir: path.join(scratch, agentRel, 'cache'),
        enabled: record.cache.enabled,
      }),
      clock: () => new Date(Date.parse(record.captured_at)),
    });
    const difference = replayed.hash === record.hash ? null : firstDifference(record, replayed);
    return {
      hash: record.hash,
      result: difference ? 'mismatch' : 'match',
      replayed_hash: replayed.hash,
      first_difference: difference,
    };
  } finally {
    await rm(scratch, { recursive: true, force: true });
  }
}
