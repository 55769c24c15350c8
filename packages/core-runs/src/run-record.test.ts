import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { canonicalHash, canonicalJson } from './canonical-json.js';
import {
  canonicalRecordJson,
  computeRecordHash,
  createRunRecord,
  RUN_RECORD_SCHEMA_VERSION,
  type RunRecord,
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

describe('createRunRecord', () => {
  it('seals any body with the hash of its canonical JSON, and makes the canonical JSON of the record in the same pass', () => {
    // Keys around "hash" in UTF-16 order, a "hash" member of the body itself, and members without JSON form.
    const key = fc.oneof(
      fc.constantFrom('hash', 'has', 'hasi', 'h', 'i', 'Z', 'é', '\u{1F600}', ''),
      fc.string(),
    );
    const value = fc.oneof(
      fc.jsonValue(),
      fc.constant(undefined),
      fc.constant(() => 1),
    );
    fc.assert(
      fc.property(fc.dictionary(key, value), (body) => {
        const record = createRunRecord(body as unknown as RunRecordBody);
        const { hash: _ignored, ...rest } = body;
        expect(record.hash).toBe(canonicalHash(rest));
        expect(canonicalRecordJson(record)).toBe(canonicalJson(record));
        expect(verifyRecordHash(record as unknown as Record<string, unknown>)).toBe(true);
      }),
      { numRuns: 500 },
    );
  });

  it('keeps the bytes a record was sealed with, even if the object is changed afterwards', () => {
    const record = createRunRecord(body);
    const sealed = canonicalRecordJson(record);
    (record as { task: string }).task = 'changed after sealing';
    expect(canonicalRecordJson(record)).toBe(sealed);
    expect(JSON.parse(sealed).task).toBe('demo');
  });

  it('gives a record it did not seal its canonical JSON all the same', () => {
    const record = createRunRecord({
      ...body,
      steps: [{ step_id: 'step-1', role: 'manager', kind: 'plan', action: null, message: 'm', status: 'ok' }],
    });
    const copy = JSON.parse(JSON.stringify(record)) as RunRecord;
    expect(canonicalRecordJson(copy)).toBe(canonicalRecordJson(record));
  });
});
