import { stat } from 'node:fs/promises';
import path from 'node:path';
import {
  FileBucketStore,
  FileConversationStore,
  IdempotencyStore,
  ReplyLog,
  type RouteResult,
  TokenBucketRateLimiter,
} from '@sdetkit/channels';
import {
  type ActionRegistry,
  ConfigStore,
  createCachedProvider,
  createProviderFromConfig,
  FileHistoryStore,
  type FileWriter,
  Ledger,
  LedgerBatcher,
  type Provider,
  type RunRecord,
  recordRun,
  runTask,
  sealConfig,
  type TaskPlanner,
} from '@sdetkit/core-runs';
import { AGENT_DIR, type AgentConfig, type ApprovalGate, loadAgentConfig } from '@sdetkit/policy';
import type { TemplateCatalog } from '@sdetkit/templates';

export type RuntimeFactory = (
  gate: ApprovalGate,
  workspaceRoot: string,
) => { registry: ActionRegistry; planners: readonly TaskPlanner[]; catalog?: () => Promise<TemplateCatalog> };

/** Everything one tenant's requests touch: its own workspace and stores. */
export interface TenantWorkspace {
  tenant: string;
  root: string;
  agentDir: string;
  config: AgentConfig;
  registry: ActionRegistry;
  catalog: (() => Promise<TemplateCatalog>) | undefined;
  history: FileHistoryStore;
  ledger: LedgerBatcher;
  conversations: FileConversationStore;
  /** Outgoing chat replies: `.sdetkit/agent/replies/<channel>.jsonl`. */
  replies: ReplyLog;
  limiter: TokenBucketRateLimiter;
  /** Deliveries already routed, by platform key: `.sdetkit/agent/deliveries.jsonl` keeps them across restarts. */
  deliveries: IdempotencyStore<RouteResult>;
  gate: ApprovalGate;
  runAndRecord(task: string): Promise<RunRecord>;
  flush(): Promise<void>;
}

export interface TenantWorkspaceOptions {
  tenant: string;
  root: string;
  /** Used as is when given; otherwise the workspace's own config.yaml, else `fallbackConfig`. */
  config?: AgentConfig;
  /** Used when the workspace has no config.yaml of its own. */
  fallbackConfig: AgentConfig;
  runtime: RuntimeFactory;
  gate: ApprovalGate;
  rateLimit: { maxTokens: number; refillPerSecond: number };
  clock: () => Date;
  onRun?: (record: RunRecord) => void;
  /**
   * How record files are written (default: `FileHistoryStore`'s, on this thread). A server
   * passes one `ThreadedFileWriter` for all its tenants and closes it itself.
   */
  writer?: FileWriter;
}

/** Where a workspace keeps the results of deliveries it routed (under `.sdetkit/agent/`). */
const DELIVERIES_FILE = 'deliveries.jsonl';

/** Opens a tenant's workspace: its config (if any), runtime, history, ledger, conversations and rate limits. */
export async function openTenantWorkspace(options: TenantWorkspaceOptions): Promise<TenantWorkspace> {
  const agentDir = path.join(options.root, AGENT_DIR);
  const configFile = path.join(agentDir, 'config.yaml');
  // Sealed (a frozen copy): every run hashes the config, and a sealed one is hashed once.
  const config = sealConfig(
    options.config ??
      ((await stat(configFile).then(
        () => true,
        () => false,
      ))
        ? await loadAgentConfig(configFile, `${options.tenant}/${AGENT_DIR}/config.yaml`)
        : options.fallbackConfig),
  );
  const { registry, planners, catalog } = options.runtime(options.gate, options.root);
  const provider: Provider = createCachedProvider(createProviderFromConfig(config), {
    cacheDir: path.join(agentDir, 'cache'),
    enabled: true,
  });
  const history = new FileHistoryStore(
    path.join(agentDir, 'history'),
    `${AGENT_DIR}/history`,
    options.writer ? { writer: options.writer } : {},
  );
  // Appends come many times a second: no lock token file is written and deleted per append.
  const ledger = new LedgerBatcher(new Ledger(agentDir, { keepLockToken: true }));
  const conversations = new FileConversationStore(path.join(agentDir, 'conversations'));
  const replies = new ReplyLog(path.join(agentDir, 'replies'));
  const limiter = new TokenBucketRateLimiter({
    capacity: options.rateLimit.maxTokens,
    refillPerSecond: options.rateLimit.refillPerSecond,
    store: new FileBucketStore(path.join(agentDir, 'rate_limits')),
  });
  const configs = new ConfigStore(agentDir);
  const deliveries = new IdempotencyStore<RouteResult>({ file: path.join(agentDir, DELIVERIES_FILE) });
  return {
    tenant: options.tenant,
    root: options.root,
    agentDir,
    config,
    registry,
    catalog,
    history,
    ledger,
    conversations,
    replies,
    limiter,
    deliveries,
    gate: options.gate,
    async runAndRecord(task) {
      const record = await runTask({
        task,
        workspaceRoot: options.root,
        config,
        registry,
        planners,
        approvalGate: options.gate,
        provider,
        clock: options.clock,
      });
      await recordRun(record, { config, configs, history, ledger });
      options.onRun?.(record);
      return record;
    },
    async flush() {
      await conversations.drain();
      await replies.drain();
      await ledger.flush();
      ledger.releaseLockToken();
      await limiter.flush();
    },
  };
}
