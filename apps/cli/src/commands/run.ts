import path from 'node:path';
import {
  ConfigStore,
  clockFromEnv,
  createCachedProvider,
  createProviderFromConfig,
  FileHistoryStore,
  parseActionTask,
  recordRun,
  runTask,
} from '@sdetkit/core-runs';
import { AGENT_DIR, DEFAULT_HISTORY_DIR, loadAgentConfig, ValidationError } from '@sdetkit/policy';
import { createAgentRuntime, createBuiltinRuntime } from '../agent-runtime.js';
import { cliApprovalGate } from '../approval.js';
import type { CommandResult } from '../command-result.js';
import { resolveFlagPath } from '../workspace-paths.js';

export interface RunOptions {
  config: string;
  approve?: boolean;
  cacheDir: string;
  /** commander turns `--no-cache` into `cache: false`. */
  cache: boolean;
}

/** One orchestrated run, saved to history; exit 1 when the run ends in `error`. */
export async function runCommand(task: string, opts: RunOptions): Promise<CommandResult> {
  if (task.trim() === '') throw new ValidationError('task: must not be empty');
  const root = process.cwd();
  const configPath = await resolveFlagPath('--config', opts.config);
  const config = await loadAgentConfig(configPath.absolute, configPath.relative);
  const clock = clockFromEnv();
  const cacheDir = await resolveFlagPath('--cache-dir', opts.cacheDir);
  const historyDir = await resolveFlagPath('history folder', DEFAULT_HISTORY_DIR);
  const approvalGate = cliApprovalGate(opts.approve);
  // An explicit built-in action needs nothing beyond the built-in registry (same record, faster start).
  const builtin = createBuiltinRuntime({ workspaceRoot: root, approvalGate });
  const explicit = parseActionTask(task);
  const runtime =
    explicit && builtin.registry.get(explicit.action)
      ? builtin
      : await createAgentRuntime({ workspaceRoot: root, approvalGate });
  const record = await runTask({
    task,
    workspaceRoot: root,
    config,
    registry: runtime.registry,
    planners: runtime.planners,
    approvalGate,
    provider: createCachedProvider(createProviderFromConfig(config), {
      cacheDir: cacheDir.absolute,
      enabled: opts.cache,
    }),
    clock,
  });
  const history = new FileHistoryStore(historyDir.absolute, historyDir.relative);
  await recordRun(record, {
    config,
    configs: new ConfigStore(path.join(root, AGENT_DIR)),
    history,
    ledger: runtime.ledger,
  });
  return { output: record, exitCode: record.status === 'ok' ? 0 : 1 };
}
