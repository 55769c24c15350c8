import { describe, expect, it } from 'vitest';
import {
  computeRecordHash,
  createRunRecord,
  RUN_RECORD_SCHEMA_VERSION,
  type RunRecordBody,
  runRecordSchema,
  verifyRecordHash,
} from './run-record.js';

const body: RunRecordBody = {
  schema_version: RUN_RECORD_SCHEMA_VERSION,
  captured_at: '2024-01-01T00:00:00Z',
  task: 'demo',
  status: 'ok',
  config_sha256: 'a'.repeat(64),
  steps: [],
  actions: [],
  outputs: {},
  cache: { enabled: false, keys: [] },
};

describe('run records', () => {
  it('hashes every key but hash, independent of key order', () => {
    const record = createRunRecord(body);
    expect(record.hash).toBe(computeRecordHash({ ...body }));
    expect(runRecordSchema.parse(record)).toEqual(record);
    const reordered = Object.fromEntries(Object.entries(record).reverse());
    expect(verifyRecordHash(reordered)).toBe(true);
  });

  it('detects a changed field', () => {
    const record = createRunRecord(body);
    expect(verifyRecordHash({ ...record, task: 'demo!' })).toBe(false);
    expect(verifyRecordHash({ ...record, hash: undefined })).toBe(false);
  });
});
