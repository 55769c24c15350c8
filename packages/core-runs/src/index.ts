export {
  type ActionContext,
  type ActionDefinition,
  type ActionOutcome,
  ActionRegistry,
  type AnyActionDefinition,
  defineAction,
  type ParamsCheck,
} from './action-registry.js';
export {
  createBuiltinRegistry,
  fsReadAction,
  fsWriteAction,
  shellRunAction,
} from './actions/builtin-actions.js';
export {
  appendWholeSync,
  openCreatingSync,
  syncDirectory,
  TEMP_PREFIX,
  writeFileAtomic,
  writeFileInPlace,
} from './atomic-write.js';
export {
  type CachedProvider,
  createCachedProvider,
  providerCacheKey,
  REPORTED_KEYS_LIMIT,
} from './cached-provider.js';
export { canonicalHash, canonicalJson, sha256Hex } from './canonical-json.js';
export { type Clock, clockFromEnv, formatCapturedAt } from './clock.js';
export { CONFIGS_DIR, ConfigStore, configSha256, sealConfig } from './config-store.js';
export { describeError } from './describe-error.js';
export {
  dropLockToken,
  dropThreadLockToken,
  type LockOptions,
  removeDeadLockTokens,
  type ThreadLockToken,
  threadLockToken,
  withFileLock,
} from './file-lock.js';
export { folderPrefix } from './folder-prefix.js';
export {
  CSV_FORMULA_PREFIX,
  HISTORY_CSV_COLUMNS,
  type HistoryExportFormat,
  type HistorySummaryRow,
  renderHistoryCsv,
  renderHistoryExport,
  renderHistoryJson,
  summarizeRecord,
} from './history-export.js';
export {
  FileHistoryStore,
  forEachBounded,
  type HistoryListing,
  type HistoryProblem,
  type HistoryStore,
  PENDING_DIR,
  type StagedRecord,
  type StageOptions,
  serializeRunRecord,
} from './history-store.js';
export { type PostJsonOptions, ProviderError, postJson } from './http-json.js';
export {
  checkLedger,
  entryDigest,
  GENESIS,
  LEDGER_FILE,
  Ledger,
  type LedgerCheck,
  type LedgerEntry,
  type LedgerKind,
  type LedgerLocation,
} from './ledger.js';
export { LedgerBatcher } from './ledger-batcher.js';
export { createLocalProvider } from './local-provider.js';
export {
  type Plan,
  type PlannedAction,
  parseActionTask,
  planFromKeywords,
  planTask,
  type TaskPlanner,
} from './manager.js';
export { checkModelPlan, type ModelPlanCheck } from './model-plan.js';
export { extractJsonObject, systemPrompt, userPrompt } from './model-prompt.js';
export { createNoneProvider } from './none-provider.js';
export { chatCompletionsUrl, createOpenAiProvider } from './openai-provider.js';
export { executePlannedAction, type RunTaskOptions, runTask, WORKER_IDS } from './orchestrator.js';
export { HOST_TAG, isAlive } from './process-alive.js';
export type { Provider, ProviderCacheReport, ProviderRequest, ProviderResponse } from './provider.js';
export { createProviderFromConfig, isPrivateHost } from './provider-factory.js';
export { readStreamCapped } from './read-capped.js';
export { recordRun, recoverInterruptedRuns } from './record-run.js';
export {
  firstDifference,
  type ReplayDifference,
  type ReplayOptions,
  type ReplayResult,
  replayRun,
} from './replay-run.js';
export {
  applyRetention,
  parseDuration,
  type RetentionPolicy,
  type RetentionResult,
  type RetentionTargets,
} from './retention.js';
export { type Review, reviewRun } from './reviewer.js';
export {
  canonicalRecordJson,
  computeRecordHash,
  createRunRecord,
  type PolicyDecision,
  RUN_RECORD_SCHEMA_VERSION,
  type RunAction,
  type RunRecord,
  type RunRecordBody,
  type RunStep,
  runRecordSchema,
  verifyRecordHash,
} from './run-record.js';
export {
  pickEnv,
  REDACTED_VALUE,
  redactSecretsInJson,
  redactSecretsInText,
  SECRET_ENV_NAME,
  secretEnvValues,
} from './secret-env.js';
export {
  type FileWriter,
  type RecordWrite,
  type RecordWriteResult,
  ThreadedFileWriter,
  type WriterStats,
} from './threaded-writer.js';
export {
  type VerifyProblem,
  type VerifyProblemKind,
  type VerifyResult,
  verifyHistory,
} from './verify-history.js';
export {
  type ClaimHolder,
  claimAddress,
  claimWorkspace,
  describeHolder,
  findWorkspaceHolder,
  type WorkspaceClaim,
  WorkspaceInUseError,
} from './workspace-claim.js';
