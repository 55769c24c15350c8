import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { parseYamlWithSchema, ValidationError } from '@sdetkit/policy';
import picomatch from 'picomatch';
import { z } from 'zod';
import type { Finding } from './rule.js';

export const WAIVERS_FILE = '.sdetkit/waivers.yaml';

const date = z
  .string()
  .regex(/^\d{4}-\d{2}-\d{2}$/, 'expected a date like 2026-12-31')
  .refine(
    (d) =>
      !Number.isNaN(Date.parse(`${d}T00:00:00Z`)) && new Date(`${d}T00:00:00Z`).toISOString().startsWith(d),
    'not a calendar date',
  );

export const waiversSchema = z.strictObject({
  waivers: z
    .array(
      z.strictObject({
        rule: z.string().min(1),
        path: z.string().min(1).optional(),
        owner: z.string().min(1),
        reason: z.string().min(1),
        expires: z.union([date, z.date().transform((d) => d.toISOString().slice(0, 10))]),
      }),
    )
    .default([]),
});

export type Waiver = z.output<typeof waiversSchema>['waivers'][number];

export interface WaiverStatus extends Waiver {
  status: 'active' | 'expired';
  /** How many findings it suppressed (active) or would have (expired). */
  matches: number;
}

/** `.sdetkit/waivers.yaml` (the policy-exception register), or none. */
export async function loadWaivers(root: string): Promise<Waiver[]> {
  const text = await readFile(path.join(root, WAIVERS_FILE), 'utf8').catch(() => undefined);
  if (text === undefined) return [];
  return (parseYamlWithSchema(text, waiversSchema, WAIVERS_FILE) as z.output<typeof waiversSchema>).waivers;
}

/** Today's date (UTC) as `YYYY-MM-DD`; `SDETKIT_TODAY` pins it (tests, replays). */
export function today(env: Record<string, string | undefined> = process.env): string {
  const pinned = env.SDETKIT_TODAY;
  if (pinned !== undefined && pinned !== '') {
    if (!/^\d{4}-\d{2}-\d{2}$/.test(pinned))
      throw new ValidationError(`SDETKIT_TODAY: expected YYYY-MM-DD, got ${pinned}`);
    return pinned;
  }
  return new Date().toISOString().slice(0, 10);
}

/**
 * Splits findings into kept and waived. A waiver is active through its
 * expiry date; expired waivers stop suppressing and are reported.
 */
export function applyWaivers(findings: Finding[], waivers: readonly Waiver[], onDate: string) {
  const statuses: WaiverStatus[] = waivers.map((w) => ({
    ...w,
    status: w.expires >= onDate ? 'active' : 'expired',
    matches: 0,
  }));
  const matchers = statuses.map((w) => (w.path ? picomatch(w.path, { dot: true }) : () => true));
  const kept: Finding[] = [];
  const waived: (Finding & { waiver: { owner: string; reason: string; expires: string } })[] = [];
  for (const finding of findings) {
    let suppressed = false;
    statuses.forEach((w, i) => {
      if (w.rule !== finding.rule || !matchers[i]!(finding.path)) return;
      w.matches++;
      if (w.status === 'active' && !suppressed) {
        suppressed = true;
        waived.push({ ...finding, waiver: { owner: w.owner, reason: w.reason, expires: w.expires } });
      }
    });
    if (!suppressed) kept.push(finding);
  }
  return { kept, waived, statuses };
}
