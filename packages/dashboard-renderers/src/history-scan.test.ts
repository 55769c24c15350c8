import { mkdir, readFile, rm, symlink, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { serializeRunRecord } from '@sdetkit/core-runs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { scanHistory, scanHistoryTable, summarizeHistoryFolder } from './history-scan.js';
import { summarizeTable } from './summarize-history.js';
import { INDEX_LIST_LIMIT, SUMMARY_INDEX_FILE } from './summary-index.js';
import { createHistoryFixture, fixtureRecord, SAMPLE_RUNS } from './testing/history-fixture.js';
import { parseTimeWindow } from './time-window.js';

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

  it('rebuilds an index written in an older format instead of reading it', async () => {
    const indexFile = path.join(fixture.historyDir, SUMMARY_INDEX_FILE);
    await writeFile(indexFile, '{"sdetkit_summary_index":5}\n{"n":0}\n');
    expect((await scan()).stats).toMatchObject({ read: 5, reused: 0 });
    expect(await readFile(indexFile, 'utf8')).toMatch(
      /^\{"sdetkit_summary_index":6,"byte_order":"(LE|BE)"\}\n/,
    );
    expect((await scan()).stats).toMatchObject({ read: 0, reused: 5 });
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
      expect(lines).toBeLessThanOrEqual(1 + 3 * 32);
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

describe('summarizeHistoryFolder', () => {
  const displayDir = '.sdetkit/agent/history';
  /** The summary from every file read afresh, through one table. */
  async function truth(listLimit: number, window = parseTimeWindow()) {
    const { table } = await scanHistoryTable(fixture.historyDir, { displayDir, useIndex: false });
    const skipped = (await scanHistory(fixture.historyDir, { displayDir, useIndex: false })).problems;
    return summarizeTable(table, { listLimit, window, skipped, generatedAt: null });
  }
  const summarize = (listLimit: number, window = parseTimeWindow()) =>
    summarizeHistoryFolder(fixture.historyDir, { displayDir, listLimit, window });
  async function addRuns(count: number, from: number) {
    for (let i = from; i < from + count; i++) {
      const added = fixtureRecord({
        task: i % 4 === 0 ? 'template:release-readiness' : `run ${i}`,
        captured_at: `2024-04-0${1 + (i % 3)}T00:00:${String(i % 60).padStart(2, '0')}Z`,
        status: i % 5 === 0 ? 'error' : 'ok',
        actions: [{ action: i % 2 === 0 ? 'fs.write' : 'shell.run', approved: i % 7 === 0 }],
      });
      await writeFile(path.join(fixture.historyDir, `${added.hash}.json`), serializeRunRecord(added));
    }
  }

  it('merges stored summaries into the same summary as reading every file', async () => {
    await writeFile(path.join(fixture.historyDir, `${'a'.repeat(64)}.json`), '{"broken', 'utf8');
    for (let round = 0; round < 4; round++) {
      await addRuns(7, round * 7);
      const { summary, stats } = await summarize(3);
      expect(summary).toEqual(await truth(3));
      if (round > 0) expect(stats).toMatchObject({ read: 7, reused: 6 + round * 7 });
    }
    // A removed and a changed file: the segments holding them are summarized again.
    await rm(path.join(fixture.historyDir, `${fixture.records[1]!.hash}.json`));
    await writeFile(path.join(fixture.historyDir, `${fixture.records[2]!.hash}.json`), '{}');
    expect((await summarize(INDEX_LIST_LIMIT)).summary).toEqual(await truth(INDEX_LIST_LIMIT));
    expect((await summarize(0)).summary).toEqual(await truth(0));
    // Windows and longer lists than the index keeps go through the whole table.
    const window = parseTimeWindow('2024-03-02', '2024-04-02');
    expect((await summarize(5, window)).summary).toEqual(await truth(5, window));
    expect((await summarize(INDEX_LIST_LIMIT + 1)).summary).toEqual(await truth(INDEX_LIST_LIMIT + 1));
  });

  it('merges the summaries of reader-thread batches into the same summary, cold and warm', async () => {
    await addRuns(300, 0);
    await writeFile(path.join(fixture.historyDir, `${'a'.repeat(64)}.json`), '{"broken', 'utf8');
    const threads = { workers: 2, workerThreshold: 1 };
    const cold = await summarizeHistoryFolder(fixture.historyDir, { displayDir, listLimit: 10, ...threads });
    // addRuns repeats some records (same content, same hash), so count files, not runs.
    expect(cold.stats).toMatchObject({ workers: 2, read: cold.stats.files, reused: 0 });
    expect(cold.stats.files).toBeGreaterThan(200);
    expect(cold.summary).toEqual(await truth(10));
    for (let i = 0; i < 5; i++) {
      const late = fixtureRecord({ task: `late run ${i}`, captured_at: `2024-04-05T00:00:0${i}Z` });
      await writeFile(path.join(fixture.historyDir, `${late.hash}.json`), serializeRunRecord(late));
    }
    const warm = await summarizeHistoryFolder(fixture.historyDir, { displayDir, listLimit: 10, ...threads });
    expect(warm.stats).toMatchObject({ read: 5, reused: cold.stats.files });
    expect(warm.summary).toEqual(await truth(10));
  });

  it('does not parse the stored columns when the summaries suffice, and recovers when they are corrupt', async () => {
    await summarize(3);
    await addRuns(3, 0);
    await summarize(3);
    const indexFile = path.join(fixture.historyDir, SUMMARY_INDEX_FILE);
    const lines = (await readFile(indexFile, 'utf8')).split('\n');
    // Segments are three lines after the header: head, summary, columns. Break every columns line.
    const broken = lines.map((line, i) => (i > 0 && i % 3 === 0 ? '{"kind":"not base64!"}' : line));
    await writeFile(indexFile, broken.join('\n'));
    const fast = await summarize(3);
    expect(fast.stats).toMatchObject({ read: 0, reused: 8 });
    expect(fast.summary).toEqual(await truth(3));
    // A window needs the columns: the broken segments are dropped and their files read again.
    await writeFile(indexFile, broken.join('\n'));
    const window = parseTimeWindow('2024-03-02');
    const windowed = await summarize(3, window);
    expect(windowed.stats).toMatchObject({ read: 8, reused: 0 });
    expect(windowed.summary).toEqual(await truth(3, window));
    // A removed file: its segment needs its columns, so its files are read again; the other
    // segment is copied into the rewritten index as stored.
    await writeFile(indexFile, broken.join('\n'));
    await rm(path.join(fixture.historyDir, `${fixture.records[0]!.hash}.json`));
    const rewritten = await summarize(3);
    expect(rewritten.stats).toMatchObject({ read: 4, reused: 3 });
    expect(rewritten.summary).toEqual(await truth(3));
    expect((await summarize(3)).stats).toMatchObject({ read: 0, reused: 7 });
    expect((await summarize(3, window)).summary).toEqual(await truth(3, window));
  });

  it('rewrites the index by copying unchanged segments and folding the smallest', async () => {
    const indexFile = path.join(fixture.historyDir, SUMMARY_INDEX_FILE);
    await addRuns(20, 100);
    await summarize(3);
    const first = (await readFile(indexFile, 'utf8')).split('\n');
    expect(first).toHaveLength(1 + 3 + 1);
    for (let i = 0; i < 40; i++) {
      await addRuns(1, i);
      expect((await summarize(3)).stats).toMatchObject({ read: 1, reused: 25 + i });
      const lines = (await readFile(indexFile, 'utf8')).trimEnd().split('\n');
      expect(lines.length).toBeLessThanOrEqual(1 + 3 * 32);
      // The first, largest segment is never rewritten.
      expect(lines.slice(0, 4)).toEqual(first.slice(0, 4));
    }
    await rm(path.join(fixture.historyDir, `${fixture.records[0]!.hash}.json`));
    const { summary, stats } = await summarize(3);
    expect(stats).toMatchObject({ read: 0, reused: 64 });
    expect(summary).toEqual(await truth(3));
    expect((await summarize(INDEX_LIST_LIMIT + 1)).summary).toEqual(await truth(INDEX_LIST_LIMIT + 1));
  });

  it('summarizes all runs at once when a timestamp sorts differently as text and as a time', async () => {
    // 2024-02-30 parses as March 1st: by seconds it ties with March 1st runs, by text it is older.
    const odd = fixtureRecord({ task: 'odd date', captured_at: '2024-02-30T00:00:00Z', status: 'error' });
    await writeFile(path.join(fixture.historyDir, `${odd.hash}.json`), serializeRunRecord(odd));
    await summarize(10);
    for (let i = 0; i < 6; i++) {
      const tie = fixtureRecord({ task: `tie ${i}`, captured_at: '2024-03-01T00:00:00Z', status: 'error' });
      await writeFile(path.join(fixture.historyDir, `${tie.hash}.json`), serializeRunRecord(tie));
    }
    expect((await summarize(10)).summary).toEqual(await truth(10));
  });
});
