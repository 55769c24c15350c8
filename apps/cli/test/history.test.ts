import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempWorkspace } from './run-cli.js';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
  await runCli(ws.root, ['agent', 'init']);
});
afterEach(() => ws.cleanup());

async function runAt(epoch: string, task: string) {
  return runCli(ws.root, ['agent', 'run', task], { SOURCE_DATE_EPOCH: epoch });
}

describe('sdetkit agent history', () => {
  it('lists newest first with the contract keys, and honours --limit', async () => {
    await runAt('1700000000', 'action fs.write {"path":".sdetkit/agent/workdir/1.txt","content":"1"}');
    await runAt('1700000100', 'action fs.write {"path":".sdetkit/agent/workdir/2.txt","content":"2"}');
    const list = await runCli(ws.root, ['agent', 'history']);
    expect(list.code).toBe(0);
    const rows = list.json as { task: string }[];
    expect(rows.map((r) => r.task)).toEqual([
      'action fs.write {"path":".sdetkit/agent/workdir/2.txt","content":"2"}',
      'action fs.write {"path":".sdetkit/agent/workdir/1.txt","content":"1"}',
    ]);
    expect(Object.keys(rows[0]!).sort()).toEqual(['captured_at', 'hash', 'status', 'task']);
    const limited = await runCli(ws.root, ['agent', 'history', 'list', '--limit', '1']);
    expect(limited.json).toHaveLength(1);
  });

  it('rejects --limit 0 with exit 2 naming the flag', async () => {
    const result = await runCli(ws.root, ['agent', 'history', '--limit', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^agent error: .*--limit/);
  });

  it('keeps listing and exporting when a history file is corrupt, and reports it', async () => {
    await runAt('1700000000', 'action fs.write {"path":".sdetkit/agent/workdir/1.txt","content":"1"}');
    const bad = `.sdetkit/agent/history/${'e'.repeat(64)}.json`;
    await writeFile(path.join(ws.root, bad), '{"oops"', 'utf8');
    const list = await runCli(ws.root, ['agent', 'history']);
    expect(list.code).toBe(0);
    expect(list.json).toHaveLength(1);
    expect(list.stderr).toContain(`agent warning: skipped ${bad}: not valid JSON`);
    const exported = await runCli(ws.root, ['agent', 'history', 'export']);
    expect(exported.code).toBe(0);
    expect(exported.json).toMatchObject({ count: 1, skipped: [{ file: bad, reason: 'not valid JSON' }] });
  });

  it('exports CSV with the contract columns and escapes spreadsheet formulae', async () => {
    await runAt('1700000000', 'action fs.write {"path":".sdetkit/agent/workdir/1.txt","content":"1"}');
    await runAt('1700000050', '=HYPERLINK("http://evil","click")');
    const result = await runCli(ws.root, ['agent', 'history', 'export', '--format', 'csv']);
    expect(result.json).toEqual({
      status: 'ok',
      output: '.sdetkit/agent/workdir/history-summary.csv',
      format: 'csv',
      count: 2,
      window: { since: null, until: null },
      skipped: [],
    });
    const csv = await readFile(path.join(ws.root, '.sdetkit/agent/workdir/history-summary.csv'), 'utf8');
    const lines = csv.trimEnd().split('\n');
    expect(lines[0]).toBe('captured_at,hash,status,task,action_count');
    expect(lines[1]).toMatch(/^2023-11-14T22:13:20Z,[0-9a-f]{64},ok,"action fs.write/);
    expect(lines[2]).toMatch(/,error,"'=HYPERLINK\(""http:\/\/evil"",""click""\)",0$/);
  });

  it('exports JSON to --output and refuses an output outside the workspace', async () => {
    await runAt('1700000000', 'action fs.write {"path":".sdetkit/agent/workdir/1.txt","content":"1"}');
    const ok = await runCli(ws.root, [
      'agent',
      'history',
      'export',
      '--format',
      'json',
      '--output',
      'reports/h.json',
    ]);
    expect(ok.json).toMatchObject({ output: 'reports/h.json', format: 'json', count: 1 });
    const data = JSON.parse(await readFile(path.join(ws.root, 'reports/h.json'), 'utf8'));
    expect(data.runs[0]).toMatchObject({ status: 'ok', action_count: 1 });
    const bad = await runCli(ws.root, ['agent', 'history', 'export', '--output', '/tmp/x.csv']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^agent error: --output: path escapes the workspace/);
    const format = await runCli(ws.root, ['agent', 'history', 'export', '--format', 'xml']);
    expect(format.code).toBe(2);
    expect(format.stderr).toMatch(/^agent error: .*--format/);
  });

  it('exports only the runs inside --since/--until', async () => {
    await runAt('1700000000', 'action fs.write {"path":".sdetkit/agent/workdir/1.txt","content":"1"}');
    await runAt('1710000000', 'action fs.write {"path":".sdetkit/agent/workdir/2.txt","content":"2"}');
    const result = await runCli(ws.root, ['agent', 'history', 'export', '--since', '2024-01-01']);
    expect(result.json).toMatchObject({ count: 1, window: { since: '2024-01-01T00:00:00Z', until: null } });
    const bad = await runCli(ws.root, [
      'agent',
      'history',
      'export',
      '--since',
      '2024-02-01',
      '--until',
      '2024-01-01',
    ]);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^agent error: --since .* is after --until/);
  });

  it('treats a missing history folder as empty', async () => {
    const result = await runCli(ws.root, ['agent', 'history', '--history-dir', 'nothing-here']);
    expect(result.code).toBe(0);
    expect(result.json).toEqual([]);
  });
});
