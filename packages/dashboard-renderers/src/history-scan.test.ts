import { mkdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { serializeRunRecord } from '@sdetkit/core-runs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scanHistory } from './history-scan.js';
import { SUMMARY_INDEX_FILE } from './summary-index.js';
import { createHistoryFixture, fixtureRecord, SAMPLE_RUNS } from './testing/history-fixture.js';

let fixture: Awaited<ReturnType<typeof createHistoryFixture>>;
beforeEach(async () => {
  fixture = await createHistoryFixture(SAMPLE_RUNS);
});
afterEach(() => fixture.cleanup());

const scan = (options: Partial<Parameters<typeof scanHistory>[1]> = {}) =>
  scanHistory(fixture.historyDir, { displayDir: '.sdetkit/agent/history', ...options });

describe('scanHistory', () => {
  it('reads every record into rows, newest first', async () => {
    const result = await scan();
    expect(result.rows.map((r) => r[1])).toEqual([
      '2024-03-03T09:00:00Z',
      '2024-03-03T08:00:00Z',
      '2024-03-02T09:00:00Z',
      '2024-03-01T11:00:00Z',
      '2024-03-01T10:00:00Z',
    ]);
    expect(result.stats).toMatchObject({ files: 5, read: 5, reused: 0 });
  });

  it('skips and reports corrupt, foreign, older-schema and misnamed files without failing', async () => {
    const dir = fixture.historyDir;
    await writeFile(path.join(dir, `${'a'.repeat(64)}.json`), '{"broken', 'utf8');
    await writeFile(path.join(dir, 'notes.json'), '["not", "a", "record"]', 'utf8');
    const old = { ...fixture.records[0]!, schema_version: 0 };
    await writeFile(path.join(dir, `${'b'.repeat(64)}.json`), JSON.stringify(old), 'utf8');
    await writeFile(
      path.join(dir, `${'c'.repeat(64)}.json`),
      serializeRunRecord(fixture.records[1]!),
      'utf8',
    );
    await mkdir(path.join(dir, `${'d'.repeat(64)}.json`));
    const result = await scan();
    expect(result.rows).toHaveLength(5);
    expect(result.problems).toEqual([
      { file: `.sdetkit/agent/history/${'a'.repeat(64)}.json`, reason: 'not valid JSON' },
      { file: `.sdetkit/agent/history/${'b'.repeat(64)}.json`, reason: 'older or unknown schema_version 0' },
      {
        file: `.sdetkit/agent/history/${'c'.repeat(64)}.json`,
        reason: 'file name does not match the record hash',
      },
      {
        file: `.sdetkit/agent/history/${'d'.repeat(64)}.json`,
        reason: expect.stringMatching(/not a regular file|unreadable/),
      },
      { file: '.sdetkit/agent/history/notes.json', reason: 'not a run record: not an object' },
    ]);
  });

  it('fails with a clear error when the folder does not exist', async () => {
    await expect(scanHistory(path.join(fixture.root, 'nope'), { displayDir: 'nope' })).rejects.toThrow(
      'nope: history folder not found',
    );
  });

  it('reuses the summary index and reads only new files on a rebuild', async () => {
    await scan();
    const added = fixtureRecord({ task: 'new run', captured_at: '2024-03-04T00:00:00Z' });
    await writeFile(path.join(fixture.historyDir, `${added.hash}.json`), serializeRunRecord(added));
    const second = await scan();
    expect(second.stats).toMatchObject({ files: 6, read: 1, reused: 5 });
    expect(second.rows[0]![3]).toBe('new run');
    const third = await scan();
    expect(third.stats).toMatchObject({ read: 0, reused: 6 });
  });

  it('re-reads a file whose size or mtime changed, and forgets removed files', async () => {
    await scan();
    const target = path.join(fixture.historyDir, `${fixture.records[0]!.hash}.json`);
    await writeFile(target, '{"tampered": true}');
    await utimes(target, new Date(), new Date(Date.now() + 5000));
    await rm(path.join(fixture.historyDir, `${fixture.records[1]!.hash}.json`));
    const result = await scan();
    expect(result.stats).toMatchObject({ files: 4, read: 1, reused: 3 });
    expect(result.rows).toHaveLength(3);
    expect(result.problems).toHaveLength(1);
    const index = await readFile(path.join(fixture.historyDir, SUMMARY_INDEX_FILE), 'utf8');
    expect(index).not.toContain(fixture.records[1]!.hash);
  });

  it('ignores a corrupt or truncated index and rebuilds it', async () => {
    await scan();
    const indexFile = path.join(fixture.historyDir, SUMMARY_INDEX_FILE);
    const text = await readFile(indexFile, 'utf8');
    await writeFile(indexFile, text.slice(0, text.length - 10));
    const result = await scan();
    expect(result.stats).toMatchObject({ read: 5, reused: 0 });
    expect(result.rows).toHaveLength(5);
    // Rewritten whole, not appended to: the next build reuses everything.
    expect(await scan()).toMatchObject({ stats: { read: 0, reused: 5 } });
  });

  it('keeps appending new files as segments, then folds them into one', async () => {
    await scan();
    const indexFile = path.join(fixture.historyDir, SUMMARY_INDEX_FILE);
    for (let i = 0; i < 40; i++) {
      const added = fixtureRecord({
        task: `run ${i}`,
        captured_at: `2024-04-01T00:00:${String(i).padStart(2, '0')}Z`,
      });
      await writeFile(path.join(fixture.historyDir, `${added.hash}.json`), serializeRunRecord(added));
      expect((await scan()).stats).toMatchObject({ read: 1, reused: 5 + i });
      const lines = (await readFile(indexFile, 'utf8')).trimEnd().split('\n').length;
      expect(lines).toBeLessThanOrEqual(1 + 32);
    }
    const last = await scan();
    expect(last.stats).toMatchObject({ read: 0, reused: 45 });
    expect(last.rows[0]![3]).toBe('run 39');
  });

  it('gives the same rows and problems with reader threads as on one thread, cold and warm', async () => {
    for (let i = 0; i < 300; i++) {
      const added = fixtureRecord({ task: `bulk ${i}`, captured_at: `2024-05-0${1 + (i % 9)}T00:00:00Z` });
      await writeFile(path.join(fixture.historyDir, `${added.hash}.json`), serializeRunRecord(added));
    }
    await writeFile(path.join(fixture.historyDir, `${'f'.repeat(64)}.json`), '{"broken', 'utf8');
    const single = await scan({ useIndex: false, workers: 0 });
    const threaded = await scan({ workers: 2, workerThreshold: 1 });
    expect(threaded.stats).toMatchObject({ workers: 2, read: 306 });
    expect(threaded.rows).toEqual(single.rows);
    expect(threaded.problems).toEqual(single.problems);
    // The index written from the threads' results serves the next build.
    const warm = await scan({ workers: 2, workerThreshold: 1 });
    expect(warm.stats).toMatchObject({ read: 0, reused: 306 });
    expect(warm.rows).toEqual(single.rows);
    expect(warm.problems).toEqual(single.problems);
  });

  it('does not follow a symlinked record out of the folder', async () => {
    const outside = path.join(fixture.root, 'outside.json');
    await writeFile(outside, serializeRunRecord(fixture.records[0]!));
    await symlink(outside, path.join(fixture.historyDir, `${'e'.repeat(64)}.json`));
    const result = await scan();
    expect(result.problems.map((p) => p.file)).toContain(`.sdetkit/agent/history/${'e'.repeat(64)}.json`);
  });
});
