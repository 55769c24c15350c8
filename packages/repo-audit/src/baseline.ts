import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { canonicalJson, writeFileAtomic } from '@sdetkit/core-runs';
import { ValidationError } from '@sdetkit/policy';
import type { Finding } from './rule.js';

export const BASELINE_FILE = '.sdetkit/audit-baseline.json';

/** Fingerprints of findings accepted at baseline time. */
export async function loadBaseline(root: string, file = BASELINE_FILE): Promise<Set<string> | undefined> {
  const text = await readFile(path.join(root, file), 'utf8').catch(() => undefined);
  if (text === undefined) return undefined;
  try {
    const data = JSON.parse(text) as { fingerprints?: unknown };
    if (!Array.isArray(data.fingerprints) || !data.fingerprints.every((f) => typeof f === 'string'))
      throw new Error('fingerprints');
    return new Set(data.fingerprints as string[]);
  } catch {
    throw new ValidationError(`${file}: not a baseline (expected {"fingerprints": [...]})`, file);
  }
}

/** Records the current findings as the baseline. */
export async function writeBaseline(
  root: string,
  findings: readonly Finding[],
  file = BASELINE_FILE,
): Promise<void> {
  const fingerprints = [...new Set(findings.map((f) => f.fingerprint))].sort();
  await writeFileAtomic(path.join(root, file), `${canonicalJson({ fingerprints, version: 1 })}\n`);
}
