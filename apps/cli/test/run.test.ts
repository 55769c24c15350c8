import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempWorkspace } from './run-cli.js';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
});
afterEach(() => ws.cleanup());

const WRITE_TASK = 'action fs.write {"path":".sdetkit/agent/workdir/a.txt","content":"x"}';

async function historyFiles(root: string): Promise<string[]> {
  // Records only: the hidden .pending folder (staged runs) and the summary index are not runs.
  return (await readdir(path.join(root, '.sdetkit/agent/history')).catch(() => [] as string[])).filter(
    (n) => !n.startsWith('.'),
  );
}

describe('sdetkit agent run', () => {
  it('runs, prints the record and saves it as history/<hash>.json', async () => {
    await runCli(ws.root, ['agent', 'init']);
    const result = await runCli(ws.root, ['agent', 'run', WRITE_TASK]);
    expect(result.code).toBe(0);
    const record = result.json as { hash: string; status: string; task: string };
    expect(record).toMatchObject({ status: 'ok', task: WRITE_TASK });
    expect(await historyFiles(ws.root)).toEqual([`${record.hash}.json`]);
    expect(await readFile(path.join(ws.root, '.sdetkit/agent/workdir/a.txt'), 'utf8')).toBe('x');
    // Keys are sorted in what the CLI prints.
    const keys = Object.keys(JSON.parse(result.stdout));
    expect(keys).toEqual([...keys].sort());
  });

  it('gives the same hash in two folders with the same SOURCE_DATE_EPOCH', async () => {
    const other = await tempWorkspace('sdetkit-cli-other-');
    try {
      const env = { SOURCE_DATE_EPOCH: '1700000000' };
      await runCli(ws.root, ['agent', 'init']);
      await runCli(other.root, ['agent', 'init']);
      const a = await runCli(ws.root, ['agent', 'run', WRITE_TASK], env);
      const b = await runCli(other.root, ['agent', 'run', WRITE_TASK], env);
      expect((a.json as { hash: string }).hash).toBe((b.json as { hash: string }).hash);
      expect((a.json as { captured_at: string }).captured_at).toBe('2023-11-14T22:13:20Z');
    } finally {
      await other.cleanup();
    }
  });

  it('fails with exit 2 naming config.yaml when the config is missing, and writes nothing', async () => {
    const result = await runCli(ws.root, ['agent', 'run', WRITE_TASK]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^agent error: .*config\.yaml not found/);
    expect(result.stdout).toBe('');
    expect(await readdir(ws.root)).toEqual([]);
  });

  it('fails with exit 2 naming the line of a malformed config, and records nothing', async () => {
    await runCli(ws.root, ['agent', 'init']);
    await writeFile(path.join(ws.root, '.sdetkit/agent/config.yaml'), 'budgets:\n  max_steps: lots\n');
    const result = await runCli(ws.root, ['agent', 'run', WRITE_TASK]);
    expect(result.code).toBe(2);
    expect(result.stderr.trim()).toMatch(
      /^agent error: \.sdetkit\/agent\/config\.yaml:2: budgets\.max_steps: /,
    );
    expect(result.stderr.trim().split('\n')).toHaveLength(1);
    expect(await historyFiles(ws.root)).toEqual([]);
  });

  it('records an unknown action as failed and exits 1', async () => {
    await runCli(ws.root, ['agent', 'init']);
    const result = await runCli(ws.root, ['agent', 'run', 'action nope.nothing {}']);
    expect(result.code).toBe(1);
    expect(result.json).toMatchObject({ status: 'error', actions: [{ action: 'nope.nothing', ok: false }] });
    expect(await historyFiles(ws.root)).toHaveLength(1);
  });

  it('denies a write outside the allowlist, records why, exits 1', async () => {
    await runCli(ws.root, ['agent', 'init']);
    const result = await runCli(ws.root, [
      'agent',
      'run',
      'action fs.write {"path":"src/x.ts","content":"x"}',
    ]);
    expect(result.code).toBe(1);
    const record = result.json as { actions: { denied: boolean; policy: { reason: string } }[] };
    expect(record.actions[0]!.denied).toBe(true);
    expect(record.actions[0]!.policy.reason).toMatch(/^write denied by allowlist/);
  });

  it('denies an allowlisted shell command without a TTY or --approve, and runs it with --approve', async () => {
    await runCli(ws.root, ['agent', 'init']);
    await writeFile(
      path.join(ws.root, '.sdetkit/agent/config.yaml'),
      'safety:\n  shell_allowlist: ["node -e"]\n',
    );
    const task = 'action shell.run {"argv":["node","-e","console.log(6*7)"]}';
    const denied = await runCli(ws.root, ['agent', 'run', task]);
    expect(denied.code).toBe(1);
    expect(denied.json).toMatchObject({
      actions: [{ denied: true, policy: { reason: 'approval required (non-interactive)' } }],
    });
    const approved = await runCli(ws.root, ['agent', 'run', '--approve', task]);
    expect(approved.code).toBe(0);
    expect(approved.json).toMatchObject({
      actions: [{ ok: true, approved: true, payload: { stdout: '42\n', exit_code: 0 } }],
    });
  });

  it('stores nothing in the cache for provider none, and records the cache keys all the same', async () => {
    await runCli(ws.root, ['agent', 'init']);
    const run = await runCli(ws.root, ['agent', 'run', '--cache-dir', 'my-cache', 'plan something']);
    expect(run.json).toMatchObject({
      cache: { enabled: true, keys: [expect.stringMatching(/^[0-9a-f]{64}$/)] },
    });
    await expect(readdir(path.join(ws.root, 'my-cache'))).rejects.toThrow();
  });

  it('rejects an empty task and unknown flags with exit 2', async () => {
    await runCli(ws.root, ['agent', 'init']);
    const empty = await runCli(ws.root, ['agent', 'run', '  ']);
    expect(empty.code).toBe(2);
    expect(empty.stderr).toMatch(/^agent error: task: must not be empty/);
    const flag = await runCli(ws.root, ['agent', 'run', '--bogus', 'x']);
    expect(flag.code).toBe(2);
    expect(flag.stderr).toMatch(/^agent error: unknown option '--bogus'/);
  });
});
