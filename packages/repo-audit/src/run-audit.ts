import { canonicalHash } from '@sdetkit/core-runs';
import { type AuditProfile, effectiveSeverities, loadAuditConfig } from './audit-config.js';
import { loadBaseline } from './baseline.js';
import { changedFiles } from './changed-files.js';
import { walkRepository } from './file-walker.js';
import {
  type Finding,
  type RuleHit,
  type RuleInfo,
  type RulePack,
  SEVERITY_RANK,
  type Severity,
} from './rule.js';
import { CORE_RULES, checkCore } from './rules-core.js';
import { checkDeps, DEPS_RULES } from './rules-deps.js';
import { checkHygiene, HYGIENE_RULES } from './rules-hygiene.js';
import { checkSecrets, checkWorkflow, SECURITY_RULES } from './rules-security.js';
import { applyWaivers, loadWaivers, today, type WaiverStatus } from './waivers.js';

export const AUDIT_SCHEMA_VERSION = 1;

/** Every rule, in report order. */
export const ALL_RULES: RuleInfo[] = [...CORE_RULES, ...SECURITY_RULES, ...HYGIENE_RULES, ...DEPS_RULES].map(
  ({ id, pack, title, description, severity, tags, remediation }) => ({
    id,
    pack,
    title,
    description,
    severity,
    tags,
    remediation,
  }),
);

export interface AuditOptions {
  /** Absolute repository root. */
  root: string;
  profile?: AuditProfile;
  /** Only these packs (default: all). */
  packs?: RulePack[];
  changedOnly?: boolean;
  /** Base ref for changed-only audits (default HEAD: uncommitted changes). */
  base?: string;
  /** Report only findings not in the baseline file. */
  useBaseline?: boolean;
  env?: Record<string, string | undefined>;
}

export interface AuditCheck {
  rule: string;
  pack: RulePack;
  severity: Severity | null;
  status: 'pass' | 'fail' | 'waived' | 'skipped';
  findings: number;
}

export interface AuditReport {
  schema_version: number;
  tool: { name: string; version: string };
  profile: AuditProfile;
  packs: RulePack[];
  changed_only: boolean;
  base: string | null;
  summary: {
    files_scanned: number;
    findings: number;
    by_severity: Record<Severity, number>;
    waived: number;
    expired_waivers: number;
    baseline_known: number;
  };
  checks: AuditCheck[];
  findings: Finding[];
  waived: (Finding & { waiver: { owner: string; reason: string; expires: string } })[];
  waivers: WaiverStatus[];
  rules: RuleInfo[];
}

export const TOOL = { name: 'sdetkit-repo-audit', version: '0.1.0' };

function compareFindings(a: Finding, b: Finding): number {
  return a.path < b.path
    ? -1
    : a.path > b.path
      ? 1
      : a.line - b.line || a.column - b.column || (a.rule < b.rule ? -1 : a.rule > b.rule ? 1 : 0);
}

/**
 * Fingerprints survive unrelated edits: they hash the rule, the path, the
 * matched line's text and its occurrence number, never the line number.
 */
function fingerprintHits(hits: RuleHit[]): string[] {
  const seen = new Map<string, number>();
  return hits.map((hit) => {
    const key = `${hit.rule}\0${hit.path}\0${hit.context.replace(/\s+/g, ' ')}`;
    const occurrence = seen.get(key) ?? 0;
    seen.set(key, occurrence + 1);
    return canonicalHash([key, occurrence]).slice(0, 32);
  });
}

/**
 * Audits a repository: reads each file once in sorted order (honouring
 * .gitignore, never following links), applies the profile's rule packs,
 * the repository's config overrides, waivers and optional baseline.
 * The same tree gives the same report.
 */
export async function runAudit(options: AuditOptions): Promise<AuditReport> {
  const config = await loadAuditConfig(options.root);
  const profile = options.profile ?? config.profile ?? 'default';
  const packs = options.packs ?? (['core', 'security', 'hygiene', 'deps'] as RulePack[]);
  const severities = effectiveSeverities(ALL_RULES, profile, config);
  const packOf = new Map(ALL_RULES.map((r) => [r.id, r.pack]));
  const changedOnly = options.changedOnly === true;
  // Repository-level packs say nothing about a change set.
  const active = (id: string) =>
    severities.has(id) &&
    packs.includes(packOf.get(id)!) &&
    !(changedOnly && ['core', 'deps'].includes(packOf.get(id)!));
  const only = changedOnly ? await changedFiles(options.root, options.base ?? 'HEAD') : undefined;
  const files = await walkRepository(options.root, {
    maxFileBytes: config.max_file_bytes,
    ignore: config.ignore,
    ...(only ? { only } : {}),
  });

  const hits: RuleHit[] = [];
  if (!changedOnly) hits.push(...checkCore(files, active));
  for (const file of files) {
    hits.push(
      ...checkSecrets(file, active),
      ...checkWorkflow(file, active),
      ...checkHygiene(file, active, config.max_file_bytes),
    );
  }
  if (!changedOnly) hits.push(...checkDeps(files, active));
  hits.sort((a, b) =>
    a.path < b.path
      ? -1
      : a.path > b.path
        ? 1
        : a.line - b.line || a.column - b.column || (a.rule < b.rule ? -1 : 1),
  );
  const fingerprints = fingerprintHits(hits);
  const ruleById = new Map(ALL_RULES.map((r) => [r.id, r]));
  const all: Finding[] = hits.map((hit, i) => ({
    rule: hit.rule,
    path: hit.path,
    line: hit.line,
    column: hit.column,
    severity: severities.get(hit.rule)!,
    message: hit.message,
    remediation: ruleById.get(hit.rule)!.remediation,
    fingerprint: fingerprints[i]!,
  }));

  const { kept, waived, statuses } = applyWaivers(all, await loadWaivers(options.root), today(options.env));
  let findings = kept;
  let baselineKnown = 0;
  if (options.useBaseline) {
    const baseline = await loadBaseline(options.root);
    if (baseline) {
      findings = kept.filter((f) => !baseline.has(f.fingerprint));
      baselineKnown = kept.length - findings.length;
    }
  }
  findings.sort(compareFindings);

  const checks: AuditCheck[] = ALL_RULES.map((rule) => {
    const count = findings.filter((f) => f.rule === rule.id).length;
    const waivedCount = waived.filter((f) => f.rule === rule.id).length;
    const status: AuditCheck['status'] = !active(rule.id)
      ? 'skipped'
      : count > 0
        ? 'fail'
        : waivedCount > 0
          ? 'waived'
          : 'pass';
    return {
      rule: rule.id,
      pack: rule.pack,
      severity: active(rule.id) ? severities.get(rule.id)! : null,
      status,
      findings: count,
    };
  });
  const bySeverity: Record<Severity, number> = { error: 0, warn: 0, info: 0 };
  for (const f of findings) bySeverity[f.severity]++;
  return {
    schema_version: AUDIT_SCHEMA_VERSION,
    tool: TOOL,
    profile,
    packs,
    changed_only: changedOnly,
    base: changedOnly ? (options.base ?? 'HEAD') : null,
    summary: {
      files_scanned: files.length,
      findings: findings.length,
      by_severity: bySeverity,
      waived: waived.length,
      expired_waivers: statuses.filter((w) => w.status === 'expired').length,
      baseline_known: baselineKnown,
    },
    checks,
    findings,
    waived,
    waivers: statuses,
    rules: ALL_RULES,
  };
}

/** True when any finding is at or above `level`. */
export function failsAt(report: AuditReport, level: Severity): boolean {
  return report.findings.some((f) => SEVERITY_RANK[f.severity] >= SEVERITY_RANK[level]);
}
