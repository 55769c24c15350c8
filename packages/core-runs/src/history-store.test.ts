import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileHistoryStore } from './history-store.js';
import { createRunRecord, RUN_RECORD_SCHEMA_VERSION, type RunRecord } from './run-record.js';
import { createTempWorkspace } from './testing/temp-workspace.js';

let ws: Awaited<ReturnType<typeof createTempWorkspace>>;
let store: FileHistoryStore;
let dir: string;

function record(task: string, capturedAt: string, status: 'ok' | 'error' = 'ok'): RunRecord {
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

beforeEach(async () => {
  ws = await createTempWorkspace();
  dir = path.join(ws.root, '.sdetkit/agent/history');
  store = new FileHistoryStore(dir, '.sdetkit/agent/history');
});
afterEach(() => ws.cleanup());

describe('FileHistoryStore', () => {
  it('saves <hash>.json as canonical JSON and reads it back by hash', async () => {
    const r = record('a', '2024-01-01T00:00:00Z');
    expect(await store.save(r)).toEqual({ file: `.sdetkit/agent/history/${r.hash}.json`, created: true });
    expect(await readFile(path.join(dir, `${r.hash}.json`), 'utf8')).toMatch(/^\{"actions":\[\],"cache":/);
    expect(await store.get(r.hash)).toEqual(r);
    expect(await store.save(r)).toMatchObject({ created: false });
  });

  it('lists newest first and honours the limit', async () => {
    const older = record('older', '2024-01-01T00:00:00Z');
    const newer = record('newer', '2024-02-01T00:00:00Z');
    await store.save(older);
    await store.save(newer);
    expect((await store.list()).records.map((r) => r.task)).toEqual(['newer', 'older']);
    expect((await store.list({ limit: 1 })).records.map((r) => r.task)).toEqual(['newer']);
  });

  it('skips corrupt, non-record and older-schema files and reports each', async () => {
    const good = record('good', '2024-01-01T00:00:00Z');
    await store.save(good);
    await writeFile(path.join(dir, `${'b'.repeat(64)}.json`), '{"captured_at": "2024', 'utf8');
    await writeFile(path.join(dir, 'notes.json'), '[1,2]', 'utf8');
    await writeFile(
      path.join(dir, `${'c'.repeat(64)}.json`),
      JSON.stringify({ ...good, schema_version: 0 }),
      'utf8',
    );
    const listing = await store.list();
    expect(listing.records.map((r) => r.task)).toEqual(['good']);
    expect(listing.problems).toEqual([
      { file: `.sdetkit/agent/history/${'b'.repeat(64)}.json`, reason: 'not valid JSON' },
      {
        file: `.sdetkit/agent/history/${'c'.repeat(64)}.json`,
        reason: expect.stringMatching(/^not a run record: schema_version/),
      },
      { file: '.sdetkit/agent/history/notes.json', reason: expect.stringMatching(/^not a run record/) },
    ]);
  });

  it('ignores temp files of interrupted writes', async () => {
    await mkdir(dir, { recursive: true });
    await writeFile(path.join(dir, '.sdetkit-tmp-x.json.1.abc'), '{', 'utf8');
    expect(await store.list()).toEqual({ records: [], problems: [] });
  });

  it('returns an empty listing when the folder does not exist', async () => {
    const missing = new FileHistoryStore(path.join(ws.root, 'nope'), 'nope');
    expect(await missing.list()).toEqual({ records: [], problems: [] });
  });

  it('names the file when a hash is unknown or malformed', async () => {
    await expect(store.get('f'.repeat(64))).rejects.toThrow(
      `.sdetkit/agent/history/${'f'.repeat(64)}.json: no run`,
    );
    await expect(store.get('nope')).rejects.toThrow(/64 hex/);
  });

  it('reads many records with bounded concurrency', async () => {
    // Fixtures saved concurrently: 200 serialized fsync pairs made the setup, not the read, the slow part.
    await Promise.all(
      Array.from({ length: 200 }, (_, i) =>
        store.save(record(`t${i}`, `2024-01-01T00:00:${String(i % 60).padStart(2, '0')}Z`)),
      ),
    );
    expect((await store.list()).records).toHaveLength(200);
    expect((await readdir(dir)).length).toBe(200);
  });
});
