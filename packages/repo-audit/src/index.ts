export {
  AUDIT_CONFIG_FILE,
  type AuditConfig,
  type AuditProfile,
  auditConfigSchema,
  effectiveSeverities,
  loadAuditConfig,
  PROFILES,
} from './audit-config.js';
export { BASELINE_FILE, loadBaseline, writeBaseline } from './baseline.js';
export { changedFiles } from './changed-files.js';
export { type Dependency, dependencyInventory, dependencyInventoryAction } from './dependency-inventory.js';
export { type WalkOptions, walkRepository } from './file-walker.js';
export { renderAuditMarkdown } from './render-audit-markdown.js';
export { renderSarif } from './render-sarif.js';
export { repoAuditAction } from './repo-audit-action.js';
export { type Finding, type RuleInfo, type RulePack, SEVERITY_RANK, type Severity } from './rule.js';
export {
  ALL_RULES,
  type AuditCheck,
  type AuditOptions,
  type AuditReport,
  failsAt,
  runAudit,
} from './run-audit.js';
export { looksLikeSecretValue, shannonEntropy } from './secret-patterns.js';
export { applyWaivers, loadWaivers, today, WAIVERS_FILE, type Waiver, type WaiverStatus } from './waivers.js';
