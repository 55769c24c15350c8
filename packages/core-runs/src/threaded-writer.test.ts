import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TEMP_PREFIX } from './atomic-write.js';
import { canonicalJson } from './canonical-json.js';
import { withFileLock } from './file-lock.js';
import { PENDING_DIR, serializeRunRecord } from './history-store.js';
import { checkLedger, Ledger, type LedgerEntry } from './ledger.js';
import { LedgerBatcher } from './ledger-batcher.js';
import type { RunRecord } from './run-record.js';
import { minimalRecord } from './testing/minimal-record.js';
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

describe('ThreadedFileWriter', () => {
  it('writes many files at once, creating missing folders, and leaves no temp files', async () => {
    const files = Array.from({ length: 200 }, (_, i) => path.join(ws.root, `d${i % 3}`, 'sub', `f${i}.json`));
    await Promise.all(files.map((file, i) => writer.write(file, `{"i":${i}}\n`)));
    for (const [i, file] of files.entries()) expect(await readFile(file, 'utf8')).toBe(`{"i":${i}}\n`);
    for (const dir of ['d0', 'd1', 'd2']) {
      const names = await readdir(path.join(ws.root, dir, 'sub'));
      expect(names.filter((n) => n.startsWith(TEMP_PREFIX))).toEqual([]);
      expect(names).toHaveLength(dir === 'd2' ? 66 : 67);
    }
  });

  it('sends the writes asked for in one turn of the event loop to its thread as one message', async () => {
    const post = vi.spyOn(Worker.prototype, 'postMessage');
    try {
      const files = Array.from({ length: 10 }, (_, i) => path.join(ws.root, `t${i}.json`));
      await Promise.all(files.map((file) => writer.write(file, 'x')));
      await writer.write(path.join(ws.root, 'later.json'), 'y');
      expect(post.mock.calls.map(([writes]) => (writes as unknown[]).length)).toEqual([10, 1]);
    } finally {
      post.mockRestore();
    }
  });

  it('replaces an existing file whole', async () => {
    const file = path.join(ws.root, 'x.json');
    await writeFile(file, 'old content that is longer than the new one\n');
    await writer.write(file, 'new\n');
    expect(await readFile(file, 'utf8')).toBe('new\n');
  });

  it('fails only the write that cannot be done, with the file system error and its code', async () => {
    await writeFile(path.join(ws.root, 'blocker'), 'a file where a folder should be');
    const results = await Promise.allSettled([
      writer.write(path.join(ws.root, 'ok-1.json'), '1'),
      writer.write(path.join(ws.root, 'blocker', 'x.json'), '2'),
      writer.write(path.join(ws.root, 'ok-2.json'), '3'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const error = (results[1] as PromiseRejectedResult).reason as NodeJS.ErrnoException;
    expect(error.code).toBe('ENOTDIR');
    expect(error.message).toContain(path.join(ws.root, 'blocker'));
    expect(await readFile(path.join(ws.root, 'ok-2.json'), 'utf8')).toBe('3');
  });

  it('writes in place in the same batches as whole-file writes, replacing what is there', async () => {
    const post = vi.spyOn(Worker.prototype, 'postMessage');
    try {
      const staged = path.join(ws.root, 'new-dir', 'staged.json');
      const atomic = path.join(ws.root, 'atomic.json');
      await writeFile(path.join(ws.root, 'old.json'), 'old content that is longer than the new one\n');
      await Promise.all([
        writer.writeInPlace(staged, 'staged\n'),
        writer.write(atomic, 'atomic\n'),
        writer.writeInPlace(path.join(ws.root, 'old.json'), 'new\n'),
      ]);
      expect(
        post.mock.calls.map(([writes]) => (writes as { inPlace: boolean }[]).map((w) => w.inPlace)),
      ).toEqual([[true, false, true]]);
      expect(await readFile(staged, 'utf8')).toBe('staged\n');
      expect(await readFile(atomic, 'utf8')).toBe('atomic\n');
      expect(await readFile(path.join(ws.root, 'old.json'), 'utf8')).toBe('new\n');
      expect((await readdir(ws.root)).filter((n) => n.startsWith(TEMP_PREFIX))).toEqual([]);
    } finally {
      post.mockRestore();
    }
  });

  it('fails only the in-place write that cannot be done', async () => {
    await writeFile(path.join(ws.root, 'blocker'), 'a file where a folder should be');
    const results = await Promise.allSettled([
      writer.writeInPlace(path.join(ws.root, 'blocker', 'x.json'), '1'),
      writer.writeInPlace(path.join(ws.root, 'ok.json'), '2'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'ENOTDIR' });
    expect(await readFile(path.join(ws.root, 'ok.json'), 'utf8')).toBe('2');
  });

  it('waits for pending writes on close, and starts again on the next write', async () => {
    const pending = writer.write(path.join(ws.root, 'a.json'), 'a');
    await writer.close();
    expect(await readFile(path.join(ws.root, 'a.json'), 'utf8')).toBe('a');
    await pending;
    await writer.write(path.join(ws.root, 'b.json'), 'b');
    expect(await readFile(path.join(ws.root, 'b.json'), 'utf8')).toBe('b');
  });

  it('keeps a process alive while writes are pending and lets it exit once they are done', async () => {
    // Runs the built package (turbo builds before testing) in a real child process that never closes the writer.
    const moduleUrl = pathToFileURL(path.join(import.meta.dirname, '../dist/index.js')).href;
    const target = path.join(ws.root, 'child.json');
    const script = `
      const { ThreadedFileWriter } = await import(${JSON.stringify(moduleUrl)});
      const writer = new ThreadedFileWriter();
      writer.write(${JSON.stringify(target)}, 'from the child').then(() => process.stdout.write('written'));
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(child.signal).toBeNull();
    expect(child.stdout).toBe('written');
    expect(await readFile(target, 'utf8')).toBe('from the child');
    // Longer than the child's own limit: a busy machine can take seconds to start Node and load the package.
  }, 20_000);
});

/** A minimal record captured at second `second` of a fixed minute. */
const record = (task: string, second = 0): RunRecord =>
  minimalRecord(task, `2026-11-30T10:00:${String(second).padStart(2, '0')}Z`);

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
    const { batches, ...counts } = writer.stats();
    expect(counts).toEqual({ recordsPublished: 30, recordsLeftStaged: 0 });
    expect(batches).toBeGreaterThanOrEqual(1);
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
    expect(writer.stats()).toMatchObject({ recordsPublished: 0, recordsLeftStaged: 1 });
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
