export {
  type AuthorizationResult,
  authorizeAction,
  evaluatePolicy,
  type PolicyContext,
  type PolicyRequest,
  type PolicyVerdict,
  type PolicyVerdictKind,
  SHELL_DENIED_REASON,
  TOOL_DENIED_REASON,
  WRITE_DENIED_REASON,
} from './action-policy.js';
export {
  type ApprovalDecision,
  type ApprovalGate,
  type ApprovalGateOptions,
  type ApprovalMethod,
  type ApprovalRequest,
  createApprovalGate,
  NON_INTERACTIVE_REASON,
  NOT_REQUIRED,
} from './approval-gate.js';
export {
  loadAgentConfig,
  parseAgentConfig,
  parseYamlWithSchema,
  renderDefaultConfigYaml,
  yamlLineOf,
  yamlLocator,
} from './config-loader.js';
export {
  type AgentConfig,
  type AgentConfigInput,
  agentConfigSchema,
  defaultAgentConfig,
} from './config-schema.js';
export {
  isSdetkitError,
  NotFoundError,
  PolicyDeniedError,
  SdetkitError,
  type SdetkitErrorCode,
  ValidationError,
} from './errors.js';
export {
  isInside,
  normalizeWorkspacePath,
  type ResolvedWorkspacePath,
  resolveWorkspacePath,
} from './path-guard.js';
export * from './paths.js';
export { isShellAllowed, parseShellAllowlist, splitShellWords } from './shell-allowlist.js';
export { isWithinPrefix, isWriteAllowed } from './write-allowlist.js';
