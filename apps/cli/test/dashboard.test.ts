import { chmod, mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempWorkspace } from './run-cli.js';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
  await runCli(ws.root, ['agent', 'init']);
});
afterEach(() => ws.cleanup());

const OK_TASK = 'action fs.write {"path":".sdetkit/agent/workdir/1.txt","content":"1"}';
const DENIED_TASK = 'action fs.write {"path":"src/x.ts","content":"1"}';

async function seed() {
  await runCli(ws.root, ['agent', 'run', OK_TASK], { SOURCE_DATE_EPOCH: '1709280000' });
  await runCli(ws.root, ['agent', 'run', OK_TASK.replace('1.txt', '2.txt')], {
    SOURCE_DATE_EPOCH: '1709366400',
  });
  await runCli(ws.root, ['agent', 'run', DENIED_TASK], { SOURCE_DATE_EPOCH: '1709452800' });
}

describe('sdetkit agent dashboard build', () => {
  it('writes the html dashboard and markdown summary at the contract paths', async () => {
    await seed();
    const result = await runCli(ws.root, ['agent', 'dashboard', 'build']);
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({
      status: 'ok',
      output: '.sdetkit/agent/workdir/agent-dashboard.html',
      format: 'html',
      markdown_summary: '.sdetkit/agent/workdir/agent-summary.md',
      runs: { total: 3, success: 2, failed: 1 },
    });
    const html = await readFile(path.join(ws.root, '.sdetkit/agent/workdir/agent-dashboard.html'), 'utf8');
    expect(html).toContain('data-testid="total-runs">3<');
  });

  it('gives all four formats the same numbers, and identical bytes on a rebuild', async () => {
    await seed();
    const totals: Record<string, unknown> = {};
    for (const format of ['json', 'md', 'html', 'csv']) {
      const first = await runCli(ws.root, ['agent', 'dashboard', 'build', '--format', format]);
      const file = path.join(ws.root, (first.json as { output: string }).output);
      const bytes = await readFile(file);
      await runCli(ws.root, ['agent', 'dashboard', 'build', '--format', format]);
      expect(await readFile(file)).toEqual(bytes);
      totals[format] = (first.json as { runs: { total: number } }).runs.total;
    }
    expect(new Set(Object.values(totals))).toEqual(new Set([3]));
    const json = JSON.parse(
      await readFile(path.join(ws.root, '.sdetkit/agent/workdir/agent-dashboard.json'), 'utf8'),
    );
    expect(json.runs).toMatchObject({ total: 3, failed: 1, latest_status: 'error' });
    const csv = await readFile(path.join(ws.root, '.sdetkit/agent/workdir/agent-dashboard.csv'), 'utf8');
    expect(csv.trimEnd().split('\n')).toHaveLength(4);
    const md = await readFile(path.join(ws.root, '.sdetkit/agent/workdir/agent-dashboard.md'), 'utf8');
    expect(md).toContain(json.failures[0].hash.slice(0, 12));
  });

  it('builds a valid empty dashboard from an empty history', async () => {
    const result = await runCli(ws.root, ['agent', 'dashboard', 'build', '--format', 'md']);
    expect(result.code).toBe(0);
    expect(await readFile(path.join(ws.root, '.sdetkit/agent/workdir/agent-dashboard.md'), 'utf8')).toContain(
      'No runs recorded in this period.',
    );
  });

  it('skips corrupt files, counts them and warns', async () => {
    await seed();
    await writeFile(path.join(ws.root, `.sdetkit/agent/history/${'f'.repeat(64)}.json`), 'not json');
    const result = await runCli(ws.root, ['agent', 'dashboard', 'build', '--format', 'json']);
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({ runs: { total: 3 }, skipped: { count: 1 } });
    expect(result.stderr).toContain('agent warning: skipped');
  });

  it.each([
    [['--history-dir', 'missing'], /^agent error: missing: history folder not found/],
    [['--output', '../out.html'], /^agent error: --output: path escapes the workspace/],
    [['--since', '2024-03-05', '--until', '2024-03-01'], /^agent error: --since .* is after --until/],
    [['--since', 'last week'], /^agent error: --since: expected an ISO date/],
    [['--format', 'pdf'], /^agent error: .*--format/],
  ])('rejects bad input %j with exit 2 and writes nothing', async (args, message) => {
    const result = await runCli(ws.root, ['agent', 'dashboard', 'build', ...args]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(message);
    expect(await readdir(path.join(ws.root, '.sdetkit/agent/workdir'))).toEqual([]);
  });

  it('fails with exit 2 and leaves the old file intact when the output folder is not writable', async () => {
    if (process.getuid?.() === 0) return; // root ignores permission bits; covered by the path-escape case
    await mkdir(path.join(ws.root, 'ro'));
    await chmod(path.join(ws.root, 'ro'), 0o500);
    const result = await runCli(ws.root, ['agent', 'dashboard', 'build', '--output', 'ro/d.html']);
    expect(result.code).toBe(2);
  });

  it('is built by an agent run through the report.build action', async () => {
    await seed();
    const result = await runCli(ws.root, ['agent', 'run', 'build the dashboard']);
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({ actions: [{ action: 'report.build', ok: true }] });
  });

  it('names the action parameter when report.gate gets a bad window', async () => {
    const gate = 'action report.gate {"min_success_rate":0.5,"since":"yesterday"}';
    const { code, json } = await runCli(ws.root, ['agent', 'run', gate]);
    expect([code, JSON.stringify(json)]).toEqual([
      1,
      expect.stringContaining('report.gate failed: since: expected an ISO'),
    ]);
  });
});

describe('sdetkit agent dashboard gate', () => {
  it('passes with exit 0 and a JSON result when thresholds are met', async () => {
    await seed();
    const result = await runCli(ws.root, ['agent', 'dashboard', 'gate', '--min-success-rate', '60%']);
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({
      ok: true,
      runs: { total: 3 },
      thresholds: { min_success_rate: 0.6 },
    });
  });

  it('fails with exit 1 and one line on stderr saying why', async () => {
    await seed();
    const result = await runCli(ws.root, [
      'agent',
      'dashboard',
      'gate',
      '--min-success-rate',
      '0.9',
      '--max-failures',
      '0',
    ]);
    expect(result.code).toBe(1);
    expect(result.stderr.trim()).toBe(
      'gate failed: success rate 66.7% is below 90.0%; 1 failed runs exceed the maximum of 0',
    );
    expect(result.json).toMatchObject({ ok: false });
  });

  it('honours the window', async () => {
    await seed();
    const result = await runCli(ws.root, [
      'agent',
      'dashboard',
      'gate',
      '--min-success-rate',
      '100%',
      '--until',
      '2024-03-02',
    ]);
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({ runs: { total: 2 } });
  });

  it('fails on an empty window unless --allow-empty', async () => {
    expect((await runCli(ws.root, ['agent', 'dashboard', 'gate', '--min-success-rate', '1'])).code).toBe(1);
    expect(
      (await runCli(ws.root, ['agent', 'dashboard', 'gate', '--min-success-rate', '1', '--allow-empty']))
        .code,
    ).toBe(0);
  });

  it('requires --min-success-rate and validates it', async () => {
    expect((await runCli(ws.root, ['agent', 'dashboard', 'gate'])).code).toBe(2);
    const bad = await runCli(ws.root, ['agent', 'dashboard', 'gate', '--min-success-rate', 'high']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^agent error: --min-success-rate/);
  });
});
