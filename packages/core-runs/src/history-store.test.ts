import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileHistoryStore, serializeRunRecord } from './history-store.js';
import { HOST_TAG } from './process-alive.js';
import type { RunRecord } from './run-record.js';
import { minimalRecord } from './testing/minimal-record.js';
import { createTempWorkspace } from './testing/temp-workspace.js';
import { ThreadedFileWriter } from './threaded-writer.js';

let ws: Awaited<ReturnType<typeof createTempWorkspace>>;
let store: FileHistoryStore;
let dir: string;

function record(task: string, capturedAt: string, status: 'ok' | 'error' = 'ok'): RunRecord {
  return minimalRecord(task, capturedAt, status);
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

describe('FileHistoryStore two-phase save and recovery', () => {
  const pendingDir = () => path.join(dir, '.pending');
  const deadPid = () => spawnSync(process.execPath, ['-e', '0']).pid!;

  it('stages out of sight and publishes on commit; abort leaves nothing', async () => {
    const a = record('a', '2024-01-01T00:00:00Z');
    const staged = await store.stage(a);
    expect(staged.created).toBe(true);
    expect((await store.list()).records).toEqual([]);
    await staged.commit();
    expect((await store.list()).records.map((r) => r.hash)).toEqual([a.hash]);
    expect(await readdir(pendingDir())).toEqual([]);
    expect((await store.stage(a)).created).toBe(false);
    const b = record('b', '2024-01-02T00:00:00Z');
    await (await store.stage(b)).abort();
    expect(await readdir(pendingDir())).toEqual([]);
    expect((await store.list()).records).toHaveLength(1);
  });

  it('writes through the writer it is given (a server passes a ThreadedFileWriter)', async () => {
    const writer = new ThreadedFileWriter();
    const threaded = new FileHistoryStore(dir, '.sdetkit/agent/history', { writer });
    const a = record('a', '2024-01-01T00:00:00Z');
    const c = record('c', '2024-01-03T00:00:00Z');
    await (await threaded.stage(a)).commit();
    expect((await threaded.save(c)).created).toBe(true);
    await writer.close();
    expect(await readFile(path.join(dir, `${a.hash}.json`), 'utf8')).toBe(serializeRunRecord(a));
    expect((await store.list()).records.map((r) => r.hash)).toEqual([c.hash, a.hash]);
    expect(await readdir(pendingDir())).toEqual([]);
  });

  it('stages through the writer in place when it can, and through a whole-file write when it cannot', async () => {
    const calls: string[] = [];
    const inPlace = new FileHistoryStore(dir, '.sdetkit/agent/history', {
      writer: {
        write: async (target, data) => {
          calls.push(`write ${path.basename(path.dirname(target))}`);
          await writeFile(target, data);
        },
        writeInPlace: async (target, data) => {
          calls.push(`in place ${path.basename(path.dirname(target))}`);
          await mkdir(path.dirname(target), { recursive: true });
          await writeFile(target, data);
        },
      },
    });
    await (await inPlace.stage(record('a', '2024-01-01T00:00:00Z'))).commit();
    const wholeOnly = new FileHistoryStore(dir, '.sdetkit/agent/history', {
      writer: {
        write: async (target, data) => {
          calls.push(`write ${path.basename(path.dirname(target))}`);
          await writeFile(target, data);
        },
      },
    });
    await (await wholeOnly.stage(record('b', '2024-01-02T00:00:00Z'))).commit();
    expect(calls).toEqual(['in place .pending', 'write .pending']);
    expect((await store.list()).records).toHaveLength(2);
  });

  it('drops an orphan whose ledger entry exists but whose file is partial or another record', async () => {
    // A crash while rewriting a staged record in place, its hash already in the ledger from an earlier run.
    const torn = record('torn', '2024-01-01T00:00:00Z');
    const swapped = record('swapped', '2024-01-02T00:00:00Z');
    const whole = record('whole', '2024-01-03T00:00:00Z');
    await mkdir(pendingDir(), { recursive: true });
    const dead = deadPid();
    const here = (hash: string) => path.join(pendingDir(), `${hash}.${HOST_TAG}-${dead}.json`);
    await writeFile(here(torn.hash), serializeRunRecord(torn).slice(0, 40));
    await writeFile(here(swapped.hash), serializeRunRecord(whole));
    await writeFile(here(whole.hash), serializeRunRecord(whole));
    const result = await store.recoverPending(async () => new Set([torn.hash, swapped.hash, whole.hash]));
    expect(result).toEqual({ recovered: [whole.hash], discarded: 2 });
    expect((await store.list()).records.map((r) => r.hash)).toEqual([whole.hash]);
    expect(await readdir(pendingDir())).toEqual([]);
  });

  it('publishes a file staged under its own pid by a previous incarnation (pid 1 in a restarted container)', async () => {
    const mine = record('mine', '2024-01-05T00:00:00Z');
    await mkdir(pendingDir(), { recursive: true });
    await writeFile(
      path.join(pendingDir(), `${mine.hash}.${HOST_TAG}-${process.pid}.json`),
      serializeRunRecord(mine),
    );
    expect(await store.recoverPending(async () => new Set([mine.hash]))).toEqual({
      recovered: [mine.hash],
      discarded: 0,
    });
    // While this process has one in flight, it is left alone.
    const staged = await store.stage(record('flying', '2024-01-06T00:00:00Z'));
    expect(await store.recoverPending(async () => new Set())).toEqual({ recovered: [], discarded: 0 });
    await staged.commit();
  });

  it('publishes orphans whose ledger entry exists, drops the others, leaves live and foreign ones alone', async () => {
    const committed = record('committed', '2024-01-01T00:00:00Z');
    const uncommitted = record('uncommitted', '2024-01-02T00:00:00Z');
    const live = record('live', '2024-01-03T00:00:00Z');
    const other = record('other', '2024-01-04T00:00:00Z');
    await mkdir(pendingDir(), { recursive: true });
    const dead = deadPid();
    const here = (hash: string, pid: number) => path.join(pendingDir(), `${hash}.${HOST_TAG}-${pid}.json`);
    await writeFile(here(committed.hash, dead), serializeRunRecord(committed));
    await writeFile(here(uncommitted.hash, dead), serializeRunRecord(uncommitted));
    await writeFile(here(live.hash, process.ppid), serializeRunRecord(live));
    // Another host's (or container's) staged file: its pid means nothing here.
    await writeFile(
      path.join(pendingDir(), `${other.hash}.0badc0de-${dead}.json`),
      serializeRunRecord(other),
    );
    // An interrupted temp file: removed once old.
    const temp = path.join(pendingDir(), `.sdetkit-tmp-x.json.${dead}.abcdef`);
    await writeFile(temp, '{"half');
    const old = new Date(Date.now() - 11 * 60_000);
    await utimes(temp, old, old);
    let reads = 0;
    const result = await store.recoverPending(async () => {
      reads++;
      return new Set([committed.hash, live.hash, other.hash]);
    });
    expect(result).toEqual({ recovered: [committed.hash], discarded: 2 });
    expect(reads).toBe(1);
    expect((await store.list()).records.map((r) => r.hash)).toEqual([committed.hash]);
    expect((await readdir(pendingDir())).sort()).toEqual(
      [`${live.hash}.${HOST_TAG}-${process.ppid}.json`, `${other.hash}.0badc0de-${dead}.json`].sort(),
    );
    // Nothing orphaned: the ledger is not read at all.
    await store.recoverPending(async () => {
      reads++;
      return new Set();
    });
    expect(reads).toBe(1);
  });
});
