import { readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileHistoryStore } from './history-store.js';
import { Ledger } from './ledger.js';
import { firstDifference } from './replay-run.js';
import { minimalRecord } from './testing/minimal-record.js';
import { createTempWorkspace } from './testing/temp-workspace.js';
import { verifyHistory } from './verify-history.js';

let ws: Awaited<ReturnType<typeof createTempWorkspace>>;
let hashes: string[];
const HISTORY = '.sdetkit/agent/history';
beforeEach(async () => {
  ws = await createTempWorkspace();
  const store = new FileHistoryStore(path.join(ws.root, HISTORY), HISTORY);
  const ledger = new Ledger(path.join(ws.root, '.sdetkit/agent'));
  hashes = [];
  for (const task of ['one', 'two']) {
    const record = minimalRecord(task, '2024-01-01T00:00:00Z');
    await store.save(record);
    await ledger.append({ kind: 'run', hash: record.hash, captured_at: record.captured_at });
    hashes.push(record.hash);
  }
});
afterEach(() => ws.cleanup());

const verify = async () =>
  verifyHistory({
    historyDir: path.join(ws.root, HISTORY),
    displayHistoryDir: HISTORY,
    ledgerText: await new Ledger(path.join(ws.root, '.sdetkit/agent')).read(),
    displayLedger: '.sdetkit/agent/ledger.jsonl',
  });

describe('verifyHistory', () => {
  it('passes an untouched history', async () => {
    expect(await verify()).toMatchObject({ ok: true, records: 2, problems: [] });
  });

  it('names a record edited by one byte', async () => {
    const file = path.join(ws.root, HISTORY, `${hashes[0]}.json`);
    await writeFile(file, (await readFile(file, 'utf8')).replace('"task":"one"', '"task":"onE"'));
    const result = await verify();
    expect(result.ok).toBe(false);
    expect(result.problems).toEqual([
      expect.objectContaining({ file: `${HISTORY}/${hashes[0]}.json`, kind: 'tampered' }),
    ]);
  });

  it('names a renamed record and the ledger entry it no longer matches', async () => {
    const other = 'f'.repeat(64);
    await rename(
      path.join(ws.root, HISTORY, `${hashes[1]}.json`),
      path.join(ws.root, HISTORY, `${other}.json`),
    );
    const kinds = (await verify()).problems.map((p) => `${p.kind}:${p.file}`);
    expect(kinds).toEqual(
      expect.arrayContaining([
        `renamed:${HISTORY}/${other}.json`,
        `missing-record:${HISTORY}/${hashes[1]}.json`,
      ]),
    );
  });

  it('reports a removed ledger line as a broken chain', async () => {
    const ledgerFile = path.join(ws.root, '.sdetkit/agent/ledger.jsonl');
    const lines = (await readFile(ledgerFile, 'utf8')).trimEnd().split('\n');
    await writeFile(ledgerFile, `${lines[1]}\n`);
    const result = await verify();
    expect(result.ledger).toMatchObject({ ok: false, first_broken: { line: 1 } });
  });
});

describe('firstDifference', () => {
  it('points at the first differing field, status and steps first', () => {
    expect(
      firstDifference(
        { a: 1, status: 'ok', steps: [{ m: 'x' }] },
        { a: 2, status: 'ok', steps: [{ m: 'y' }] },
      ),
    ).toEqual({
      field: 'steps.0.m',
      recorded: 'x',
      replayed: 'y',
    });
    expect(firstDifference({ a: [1] }, { a: [1] })).toBeNull();
  });
});
