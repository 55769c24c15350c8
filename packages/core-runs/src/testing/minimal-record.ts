import { createRunRecord, RUN_RECORD_SCHEMA_VERSION, type RunRecord } from '../run-record.js';

/** A sealed run record with no steps or actions, for tests about storage, ledgers and retention. */
export function minimalRecord(task: string, capturedAt: string, status: 'ok' | 'error' = 'ok'): RunRecord {
  return createRunRecord({
    schema_version: RUN_RECORD_SCHEMA_VERSION,
    captured_at: capturedAt,
    task,
    status,
    config_sha256: '0'.repeat(64),
    steps: [],
    actions: [],
    outputs: {},
    cache: { enabled: false, keys: [] },
  });
}
