import { computeRecordHash, type PolicyDecision } from '@sdetkit/core-runs';
import { z } from 'zod';

export const TEMPLATE_RUN_SCHEMA_VERSION = 1;
export const RUN_RECORD_FILE = 'run-record.json';

export const templateStepRecordSchema = z.object({
  index: z.number().int(),
  id: z.string(),
  action: z.string(),
  params: z.unknown(),
  ok: z.boolean(),
  outcome: z.enum(['success', 'failure', 'skipped']),
  continue_on_error: z.boolean(),
  approved: z.boolean(),
  denied: z.boolean(),
  policy: z.unknown(),
  message: z.string(),
  payload: z.unknown(),
});

export const templateRunRecordSchema = z.object({
  schema_version: z.literal(TEMPLATE_RUN_SCHEMA_VERSION),
  captured_at: z.string(),
  template: z.string(),
  template_version: z.string(),
  template_sha256: z.string(),
  run_id: z.string(),
  output_dir: z.string(),
  inputs: z.record(z.string(), z.unknown()),
  status: z.enum(['ok', 'error']),
  steps: z.array(templateStepRecordSchema),
  artifacts: z.array(z.string()),
  redacted: z.boolean(),
  hash: z.string(),
});

export type TemplateStepRecord = z.infer<typeof templateStepRecordSchema> & { policy: PolicyDecision | null };
export type TemplateRunRecord = Omit<z.infer<typeof templateRunRecordSchema>, 'steps'> & {
  steps: TemplateStepRecord[];
};

/** Seals a template run record: `hash` is the sha256 of the canonical JSON of every other key. */
export function sealTemplateRunRecord(body: Omit<TemplateRunRecord, 'hash'>): TemplateRunRecord {
  return { ...body, hash: computeRecordHash(body) };
}
