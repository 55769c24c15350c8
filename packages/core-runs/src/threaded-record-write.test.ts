import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { dropThreadLockToken, threadLockToken, withFileLock } from './file-lock.js';
import { FileHistoryStore, PENDING_DIR, serializeRunRecord } from './history-store.js';
import { checkLedger, Ledger, type LedgerEntry } from './ledger.js';
import { LedgerBatcher } from './ledger-batcher.js';
import { recordRun } from './record-run.js';
import { createRunRecord, RUN_RECORD_SCHEMA_VERSION, type RunRecord } from './run-record.js';
import { createTempWorkspace } from './testing/temp-workspace.js';
import { ThreadedFileWriter } from './threaded-writer.js';

let ws: Awaited<ReturnType<typeof createTempWorkspace>>;
let writer: ThreadedFileWriter;
beforeEach(async () => {
  ws = await createTempWorkspace();
  writer = new ThreadedFileWriter();
});
afterEach(async () => {
  await writer.close();
  await ws.cleanup();
});

function record(task: string, second = 0): RunRecord {
  return createRunRecord({
    schema_version: RUN_RECORD_SCHEMA_VERSION,
    captured_at: `2026-11-30T10:00:${String(second).padStart(2, '0')}Z`,
    task,
    status: 'ok',
    config_sha256: 'c'.repeat(64),
    steps: [],
    actions: [],
    outputs: {},
    cache: { enabled: false, keys: [] },
  });
}

/** The paths `FileHistoryStore` uses for a record in `agentDir`. */
function paths(agentDir: string, r: RunRecord) {
  const history = path.join(agentDir, 'history');
  return {
    pending: path.join(history, PENDING_DIR, `${r.hash}.staged.json`),
    target: path.join(history, `${r.hash}.json`),
  };
}

function write(agentDir: string, r: RunRecord) {
  const ledger = new Ledger(agentDir);
  return writer.writeRecord({
    ...paths(agentDir, r),
    data: serializeRunRecord(r),
    entry: { kind: 'run', hash: r.hash, captured_at: r.captured_at },
    ledger: ledger.location,
  });
}

const ledgerText = (agentDir: string) => readFile(path.join(agentDir, 'ledger.jsonl'), 'utf8');

describe('ThreadedFileWriter.writeRecord', () => {
  it('stages, logs and publishes a record, with ledger lines byte for byte as Ledger writes them', async () => {
    const agentDir = path.join(ws.root, 'a');
    const records = Array.from({ length: 30 }, (_, i) => record(`task ${i}`, i));
    const results = await Promise.all(records.map((r) => write(agentDir, r)));
    expect(results.every((r) => r.state === 'published')).toBe(true);
    for (const r of records) {
      expect(await readFile(paths(agentDir, r).target, 'utf8')).toBe(serializeRunRecord(r));
    }
    expect(await readdir(path.join(agentDir, 'history', PENDING_DIR))).toEqual([]);
    // No lock and no lock token are left behind once the writer is closed.
    await writer.close();
    expect((await readdir(agentDir)).sort()).toEqual(['history', 'ledger.jsonl']);

    const text = await ledgerText(agentDir);
    const check = checkLedger(text);
    expect(check).toMatchObject({ ok: true, entries: 30 });
    expect(check.runs).toEqual(new Set(records.map((r) => r.hash)));
    // The same entries appended by Ledger on this thread give the same bytes.
    const byLedger = path.join(ws.root, 'b');
    const entries = text
      .trim()
      .split('\n')
      .map((line) => JSON.parse(line) as LedgerEntry);
    await new Ledger(byLedger).appendMany(
      entries.map(({ kind, hash, captured_at }) => ({ kind, hash, captured_at })),
    );
    expect(await ledgerText(byLedger)).toBe(text);
    // And the entries it resolves with are the lines written.
    for (const [i, result] of results.entries())
      if (result.state === 'published')
        expect(`${canonicalJson(result.entry)}\n`).toBe(
          `${canonicalJson(entries.find((e) => e.hash === records[i]!.hash))}\n`,
        );
  });

  it('writes nothing for a record already published with the same bytes', async () => {
    const agentDir = path.join(ws.root, 'a');
    const r = record('same');
    expect((await write(agentDir, r)).state).toBe('published');
    const before = await ledgerText(agentDir);
    expect(await write(agentDir, r)).toEqual({ state: 'present' });
    expect(await ledgerText(agentDir)).toBe(before);
  });

  it('republishes over a damaged copy, with a new entry', async () => {
    const agentDir = path.join(ws.root, 'a');
    const r = record('damaged');
    const { target } = paths(agentDir, r);
    expect((await write(agentDir, r)).state).toBe('published');
    await writeFile(target, '{"torn":');
    expect((await write(agentDir, r)).state).toBe('published');
    expect(await readFile(target, 'utf8')).toBe(serializeRunRecord(r));
    expect(checkLedger(await ledgerText(agentDir))).toMatchObject({ ok: true, entries: 2 });
  });

  it('leaves the record staged, with no entry, when the ledger lock is taken', async () => {
    const agentDir = path.join(ws.root, 'a');
    const ledger = new Ledger(agentDir);
    await ledger.append({ kind: 'run', hash: 'f'.repeat(64), captured_at: '2026-11-30T09:00:00Z' });
    const before = await ledgerText(agentDir);
    const r = record('while locked');
    const { pending, target } = paths(agentDir, r);
    const result = await withFileLock(ledger.location.lockFile, () => write(agentDir, r));
    expect(result).toEqual({ state: 'staged' });
    expect(await readFile(pending, 'utf8')).toBe(serializeRunRecord(r));
    expect(existsSync(target)).toBe(false);
    expect(await ledgerText(agentDir)).toBe(before);
  });

  it('keeps one chain when this thread and the writer thread append to the same ledger at once', async () => {
    const agentDir = path.join(ws.root, 'a');
    const batcher = new LedgerBatcher(new Ledger(agentDir, { keepLockToken: true }));
    const mainThread = Array.from({ length: 40 }, (_, i) =>
      batcher.append({
        kind: 'tombstone',
        hash: `${i}`.padStart(64, '0'),
        captured_at: '2026-11-30T09:00:00Z',
      }),
    );
    const results = await Promise.all([
      ...Array.from({ length: 40 }, (_, i) => write(agentDir, record(`thread ${i}`, i % 60))),
      ...mainThread,
    ]);
    await batcher.flush();
    batcher.releaseLockToken();
    const check = checkLedger(await ledgerText(agentDir));
    expect(check).toMatchObject({ ok: true, entries: 80 });
    expect(check.tombstones.size).toBe(40);
    // Whatever found the lock taken was left staged; everything else is published.
    const staged = results.filter((r) => 'state' in r && r.state === 'staged').length;
    expect(check.runs.size).toBe(40 - staged);
  });
});

describe('recordRun through a ThreadedFileWriter', () => {
  function store(agentDir: string) {
    return {
      history: new FileHistoryStore(path.join(agentDir, 'history'), '.sdetkit/agent/history', { writer }),
      ledger: new LedgerBatcher(new Ledger(agentDir, { keepLockToken: true })),
    };
  }
  const config = {} as never;
  const configs = { save: async () => '' } as never;

  it('leaves the ledger entry to the writer thread, and logs on this thread when the lock was taken', async () => {
    const agentDir = path.join(ws.root, 'a');
    const { history, ledger } = store(agentDir);
    const onThisThread = vi.spyOn(Ledger.prototype, 'writeMany');
    try {
      const first = record('first');
      await recordRun(first, { config, configs, history, ledger });
      expect(onThisThread).not.toHaveBeenCalled();
      expect((await history.get(first.hash)).hash).toBe(first.hash);

      // Another holder has the lock: the record waits staged, then this thread's batcher logs it once the lock is free.
      const second = record('second');
      let release = () => {};
      const holding = withFileLock(
        ledger.location.lockFile,
        () =>
          new Promise<void>((resolve) => {
            release = resolve;
          }),
      );
      await new Promise((resolve) => setTimeout(resolve, 20));
      const saving = recordRun(second, { config, configs, history, ledger });
      await new Promise((resolve) => setTimeout(resolve, 100));
      expect(existsSync(path.join(agentDir, 'history', `${second.hash}.json`))).toBe(false);
      release();
      await holding;
      await saving;
      expect(onThisThread).toHaveBeenCalledTimes(1);
      expect((await history.get(second.hash)).hash).toBe(second.hash);
      const check = checkLedger(await ledgerText(agentDir));
      expect(check).toMatchObject({ ok: true, entries: 2 });
      expect(await readdir(path.join(agentDir, 'history', PENDING_DIR))).toEqual([]);

      // A repeat of the same run is a no-op.
      await recordRun(first, { config, configs, history, ledger });
      expect(checkLedger(await ledgerText(agentDir)).entries).toBe(2);
    } finally {
      onThisThread.mockRestore();
      await ledger.flush();
      ledger.releaseLockToken();
    }
  });
});

describe('threadLockToken', () => {
  it('makes this process wait for a lock another of its threads holds, never take it over', async () => {
    const lock = path.join(ws.root, 'x.lock');
    const token = threadLockToken(lock);
    try {
      // What the writer thread does to take the lock.
      await writeFile(token.temp, token.content);
      await writeFile(lock, token.content);
      await expect(withFileLock(lock, async () => 'taken', { timeoutMs: 150 })).rejects.toThrow(/timed out/);
    } finally {
      dropThreadLockToken(token);
    }
    // Dropped (its thread stopped): the lock it held and its token file are removed.
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(token.temp)).toBe(false);
    await expect(withFileLock(lock, async () => 'taken')).resolves.toBe('taken');
  });
});
