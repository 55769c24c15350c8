import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseYamlWithSchema, ValidationError } from '@sdetkit/policy';
import { z } from 'zod';
import type { RuleInfo, Severity } from './rule.js';

export const AUDIT_CONFIG_FILE = '.sdetkit/audit.yaml';
export const PROFILES = ['default', 'strict'] as const;
export type AuditProfile = (typeof PROFILES)[number];

const severity = z.enum(['info', 'warn', 'error']);

export const auditConfigSchema = z.strictObject({
  profile: z.enum(PROFILES).optional(),
  max_file_bytes: z
    .number()
    .int()
    .min(1)
    .default(1024 * 1024),
  ignore: z.array(z.string()).default([]),
  rules: z.record(z.string(), z.union([z.literal('off'), z.strictObject({ severity })])).default({}),
});
export type AuditConfig = z.output<typeof auditConfigSchema>;

/** `.sdetkit/audit.yaml` if present (errors name the line), else defaults. */
export async function loadAuditConfig(root: string): Promise<AuditConfig> {
  const text = await readFile(path.join(root, AUDIT_CONFIG_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return auditConfigSchema.parse({});
  return parseYamlWithSchema(text, auditConfigSchema, AUDIT_CONFIG_FILE) as AuditConfig;
}

/**
 * What a profile reports: `default` leaves out info-level rules; `strict`
 * reports everything and treats missing security docs and unpinned actions
 * as errors.
 */
const STRICT_RAISES: Record<string, Severity> = {
  'core.security-policy': 'error',
  'core.license': 'error',
  'security.workflow-unpinned-action': 'error',
  'security.secret-assignment': 'error',
  'deps.lockfile-outdated': 'error',
};

/** The effective severity of each rule (undefined: the rule is off). */
export function effectiveSeverities(
  rules: readonly RuleInfo[],
  profile: AuditProfile,
  config: AuditConfig,
): Map<string, Severity> {
  const unknown = Object.keys(config.rules).filter((id) => !rules.some((r) => r.id === id));
  if (unknown.length > 0) {
    throw new ValidationError(
      `${AUDIT_CONFIG_FILE}: rules.${unknown[0]}: unknown rule (see sdetkit repo rules)`,
      AUDIT_CONFIG_FILE,
    );
  }
  const result = new Map<string, Severity>();
  for (const rule of rules) {
    const override = config.rules[rule.id];
    if (override === 'off') continue;
    if (override) {
      result.set(rule.id, override.severity);
      continue;
    }
    if (profile === 'strict') result.set(rule.id, STRICT_RAISES[rule.id] ?? rule.severity);
    else if (rule.severity !== 'info') result.set(rule.id, rule.severity);
  }
  return result;
}
