import { z } from 'zod';
import { canonicalHash, canonicalJson, sha256Hex } from './canonical-json.js';

export const RUN_RECORD_SCHEMA_VERSION = 1;

export const stepStatusSchema = z.enum(['ok', 'error', 'denied', 'skipped']);

export const runStepSchema = z.object({
  step_id: z.string(),
  role: z.enum(['manager', 'worker', 'reviewer']),
  kind: z.enum(['plan', 'action', 'review']),
  action: z.string().nullable(),
  message: z.string(),
  status: stepStatusSchema,
});

export const policyDecisionSchema = z.object({
  verdict: z.enum(['allowed', 'needs_approval', 'denied', 'not_evaluated']),
  reason: z.string(),
  approval: z.object({
    required: z.boolean(),
    approved: z.boolean(),
    method: z.enum(['not-required', 'flag', 'prompt', 'non-interactive']),
    reason: z.string(),
  }),
});

export const runActionSchema = z.object({
  action: z.string(),
  worker_id: z.string(),
  params: z.unknown(),
  ok: z.boolean(),
  approved: z.boolean(),
  denied: z.boolean(),
  policy: policyDecisionSchema,
  payload: z.unknown(),
});

export const runRecordBodySchema = z.object({
  schema_version: z.literal(RUN_RECORD_SCHEMA_VERSION),
  captured_at: z.string().regex(/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/),
  task: z.string(),
  status: z.enum(['ok', 'error']),
  config_sha256: z.string().regex(/^[0-9a-f]{64}$/),
  steps: z.array(runStepSchema),
  actions: z.array(runActionSchema),
  outputs: z.record(z.string(), z.unknown()),
  cache: z.object({ enabled: z.boolean(), keys: z.array(z.string()) }),
});

export const runRecordSchema = runRecordBodySchema.extend({ hash: z.string().regex(/^[0-9a-f]{64}$/) });

export type RunStep = z.infer<typeof runStepSchema>;
export type RunAction = z.infer<typeof runActionSchema>;
export type PolicyDecision = z.infer<typeof policyDecisionSchema>;
export type RunRecordBody = z.infer<typeof runRecordBodySchema>;
export type RunRecord = z.infer<typeof runRecordSchema>;

/** The record hash: sha256 of the canonical JSON of every key but `hash`. */
export function computeRecordHash(record: Record<string, unknown>): string {
  const { hash: _ignored, ...body } = record;
  return canonicalHash(body);
}

/** The canonical JSON of records sealed by `createRunRecord` in this process. */
const sealedTexts = new WeakMap<object, string>();

/**
 * Seals a record body with its hash. The record's canonical JSON is made in
 * the same pass (the body's members, sorted, with the hash member put in
 * its place) and kept: `canonicalRecordJson` and so saving the record do
 * not canonicalize it a second time. A sealed record is not to be changed;
 * its bytes are the ones it was sealed with.
 */
export function createRunRecord(body: RunRecordBody): RunRecord {
  // Sorted by UTF-16 code units, as canonicalJson sorts keys (keys are distinct).
  const members = Object.entries(body)
    .filter(([key, value]) => key !== 'hash' && hasJsonForm(value))
    .sort(([a], [b]) => (a < b ? -1 : 1))
    .map(([key, value]) => ({ key, text: `${JSON.stringify(key)}:${canonicalJson(value)}` }));
  const hash = sha256Hex(`{${members.map((m) => m.text).join(',')}}`);
  const at = members.findIndex((m) => m.key > 'hash');
  const hashMember = { key: 'hash', text: `"hash":${JSON.stringify(hash)}` };
  if (at < 0) members.push(hashMember);
  else members.splice(at, 0, hashMember);
  const record = { ...body, hash };
  sealedTexts.set(record, `{${members.map((m) => m.text).join(',')}}`);
  return record;
}

/** `canonicalJson(record)`, reusing the text made when `createRunRecord` sealed it. */
export function canonicalRecordJson(record: RunRecord): string {
  return sealedTexts.get(record) ?? canonicalJson(record);
}

/** Whether an object member with this value appears in JSON (`undefined`, functions and symbols do not). */
function hasJsonForm(value: unknown): boolean {
  return value !== undefined && typeof value !== 'function' && typeof value !== 'symbol';
}

/** True when the record's `hash` matches its content. */
export function verifyRecordHash(record: Record<string, unknown>): boolean {
  return typeof record.hash === 'string' && record.hash === computeRecordHash(record);
}
