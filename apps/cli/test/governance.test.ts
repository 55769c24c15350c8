import { spawnSync } from 'node:child_process';
import { mkdir, readdir, readFile, rename, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { HOST_TAG } from '@sdetkit/core-runs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempWorkspace } from './run-cli.js';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
  await runCli(ws.root, ['agent', 'init']);
});
afterEach(() => ws.cleanup());

const WRITE = 'action fs.write {"path":".sdetkit/agent/workdir/a.txt","content":"x"}';
const hashOf = (result: { json: unknown }) => (result.json as { hash: string }).hash;

describe('agent verify', () => {
  it('passes, then names a record edited by one byte (exit 1)', async () => {
    const run = await runCli(ws.root, ['agent', 'run', WRITE]);
    expect((await runCli(ws.root, ['agent', 'verify'])).code).toBe(0);
    const file = path.join(ws.root, `.sdetkit/agent/history/${hashOf(run)}.json`);
    await writeFile(file, (await readFile(file, 'utf8')).replace('"status":"ok"', '"status":"OK"'));
    const result = await runCli(ws.root, ['agent', 'verify']);
    expect(result.code).toBe(1);
    expect(result.json).toMatchObject({
      ok: false,
      problems: [{ kind: 'tampered', file: `.sdetkit/agent/history/${hashOf(run)}.json` }],
    });
    expect(result.stderr).toContain('verify: tampered');
  });

  it('publishes a run a killed process staged after writing its ledger entry, and drops an uncommitted one', async () => {
    const hash = hashOf(await runCli(ws.root, ['agent', 'run', WRITE]));
    const other = hashOf(await runCli(ws.root, ['agent', 'run', WRITE.replace('a.txt', 'b.txt')]));
    const history = path.join(ws.root, '.sdetkit/agent/history');
    const bytes = await readFile(path.join(history, `${hash}.json`));
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    // The first as if killed between its ledger append and the rename: staged, entry written.
    // The second as if killed before its ledger entry: must disappear, not become a run.
    const ledger = path.join(ws.root, '.sdetkit/agent/ledger.jsonl');
    await writeFile(ledger, `${(await readFile(ledger, 'utf8')).split('\n')[0]}\n`);
    for (const h of [hash, other])
      await rename(
        path.join(history, `${h}.json`),
        path.join(history, `.pending/${h}.${HOST_TAG}-${dead}.json`),
      );
    // And the lock token file it kept for its ledger appends.
    const token = `.sdetkit-tmp-ledger.lock.${dead}.0123456789abcdef`;
    await writeFile(path.join(ws.root, '.sdetkit/agent', token), `${dead} 0123456789abcdef ${HOST_TAG}\n`);
    const result = await runCli(ws.root, ['agent', 'verify']);
    expect(result.code, result.stdout).toBe(0);
    expect(result.stderr).toContain(`verify: published interrupted run ${hash}`);
    expect(result.stderr).toContain(
      `verify: removed .sdetkit/agent/${token}, a lock token a killed process left`,
    );
    expect(await readdir(path.join(ws.root, '.sdetkit/agent'))).not.toContain(token);
    expect(await readFile(path.join(history, `${hash}.json`))).toEqual(bytes);
    expect(await readdir(path.join(history, '.pending'))).toEqual([]);
    expect(result.json).toMatchObject({ ok: true, records: 1 });
  });

  it('reports reordered ledger lines', async () => {
    await runCli(ws.root, ['agent', 'run', WRITE]);
    await runCli(ws.root, ['agent', 'run', WRITE.replace('a.txt', 'b.txt')]);
    const ledger = path.join(ws.root, '.sdetkit/agent/ledger.jsonl');
    const [a, b] = (await readFile(ledger, 'utf8')).trimEnd().split('\n');
    await writeFile(ledger, `${b}\n${a}\n`);
    const result = await runCli(ws.root, ['agent', 'verify']);
    expect(result.code).toBe(1);
    expect(result.json).toMatchObject({ ledger: { ok: false, first_broken: { line: 1 } } });
  });
});

describe('agent replay', () => {
  it('matches a recorded run and leaves the workspace untouched', async () => {
    const run = await runCli(ws.root, ['agent', 'run', WRITE]);
    await writeFile(path.join(ws.root, '.sdetkit/agent/workdir/a.txt'), 'changed since');
    const result = await runCli(ws.root, ['agent', 'replay', hashOf(run)]);
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({ result: 'match', replayed_hash: hashOf(run) });
    expect(await readFile(path.join(ws.root, '.sdetkit/agent/workdir/a.txt'), 'utf8')).toBe('changed since');
  });

  it('exits 2 for an unknown hash', async () => {
    const result = await runCli(ws.root, ['agent', 'replay', 'e'.repeat(64)]);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^agent error: .*no run with hash/);
  });

  it('reports a mismatch, not a crash, when the template changed since', async () => {
    await mkdir(path.join(ws.root, 'templates/automations'), { recursive: true });
    const template = (content: string) =>
      `metadata: {id: note, title: Note, version: 1.0.0, description: d}\nworkflow:\n  - {id: w, action: fs.write, with: {path: "\${{run.output_dir}}/n.txt", content: ${content}}}\n`;
    await writeFile(path.join(ws.root, 'templates/automations/note.yaml'), template('one'));
    const run = await runCli(ws.root, ['agent', 'run', 'template:note']);
    expect(run.code).toBe(0);
    await writeFile(path.join(ws.root, 'templates/automations/note.yaml'), template('two'));
    const result = await runCli(ws.root, ['agent', 'replay', hashOf(run)]);
    expect(result.code).toBe(1);
    expect(result.json).toMatchObject({
      result: 'mismatch',
      first_difference: { field: expect.stringMatching(/^actions\.0\.payload/) },
    });
    expect(result.stderr).toMatch(/^replay mismatch at actions\.0\.payload/);
  });
});

describe('agent evidence', () => {
  it('packs deterministically and catches a modified file', async () => {
    await runCli(ws.root, ['agent', 'run', WRITE]);
    await runCli(ws.root, ['agent', 'run', 'action fs.write {"path":"src/x","content":"x"}']);
    const first = await runCli(ws.root, ['agent', 'evidence', 'pack', '--until', '2100-01-01']);
    const second = await runCli(ws.root, [
      'agent',
      'evidence',
      'pack',
      '--until',
      '2100-01-01',
      '--output',
      'again.tar',
    ]);
    expect(first.code).toBe(0);
    expect((second.json as { sha256: string }).sha256).toBe((first.json as { sha256: string }).sha256);
    expect(first.json).toMatchObject({
      output: '.sdetkit/agent/workdir/evidence-pack.tar',
      files: expect.arrayContaining([
        'SHA256SUMS',
        'controls/controls.json',
        'dashboard/dashboard.html',
        'history/failures.json',
        'templates/catalog.json',
        'verify/verify.json',
      ]),
    });
    expect((await runCli(ws.root, ['agent', 'evidence', 'verify', 'again.tar'])).code).toBe(0);

    const bytes = await readFile(path.join(ws.root, 'again.tar'));
    const at = bytes.indexOf('"verify_ok"');
    bytes[at + 2] = 'V'.charCodeAt(0);
    await writeFile(path.join(ws.root, 'tampered.tar'), bytes);
    const tampered = await runCli(ws.root, ['agent', 'evidence', 'verify', 'tampered.tar']);
    expect(tampered.code).toBe(1);
    expect(tampered.json).toMatchObject({ ok: false, problems: ['evidence.json: checksum mismatch'] });
  });
});

describe('agent demo', () => {
  it('runs the repo-enterprise-audit scenario on a bare folder and leaves verifiable artifacts', async () => {
    const fresh = await tempWorkspace('sdetkit-demo-');
    try {
      const result = await runCli(fresh.root, ['agent', 'demo', '--scenario', 'repo-enterprise-audit']);
      expect(result.code).toBe(0);
      const demo = result.json as {
        status: string;
        runs: { status: string; denied_by_policy: boolean }[];
        artifacts: Record<string, string>;
      };
      expect(demo).toMatchObject({ status: 'ok', scenario: 'repo-enterprise-audit', verify: { ok: true } });
      expect(demo.runs.map((r) => r.status)).toEqual(['ok', 'ok', 'error', 'error']);
      expect(demo.runs[2]!.denied_by_policy).toBe(true);
      for (const key of ['dashboard', 'markdown_summary', 'evidence_pack', 'ledger']) {
        expect((await stat(path.join(fresh.root, demo.artifacts[key]!))).isFile()).toBe(true);
      }
      expect(
        (await runCli(fresh.root, ['agent', 'evidence', 'verify', demo.artifacts.evidence_pack!])).code,
      ).toBe(0);
      expect((await runCli(fresh.root, ['agent', 'example'])).code).toBe(0);
    } finally {
      await fresh.cleanup();
    }
  });

  it('refuses an unknown scenario with exit 2', async () => {
    const result = await runCli(ws.root, ['agent', 'demo', '--scenario', 'moon-landing']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^agent error: --scenario: unknown scenario moon-landing/);
  });
});

describe('agent retention apply', () => {
  it('prunes old runs with tombstones; verify still passes', async () => {
    await runCli(ws.root, ['agent', 'run', WRITE], { SOURCE_DATE_EPOCH: '1700000000' });
    const recent = await runCli(ws.root, ['agent', 'run', WRITE.replace('a.txt', 'b.txt')], {
      SOURCE_DATE_EPOCH: '1710000000',
    });
    const dry = await runCli(ws.root, ['agent', 'retention', 'apply', '--max-age', '30d', '--dry-run'], {
      SOURCE_DATE_EPOCH: '1710000100',
    });
    expect(dry.json).toMatchObject({ dry_run: true, removed: { history: [expect.any(String)] } });
    const applied = await runCli(ws.root, ['agent', 'retention', 'apply', '--max-age', '30d'], {
      SOURCE_DATE_EPOCH: '1710000100',
    });
    expect(applied.code).toBe(0);
    expect(applied.json).toMatchObject({ kept: { history: 1 } });
    const history = await runCli(ws.root, ['agent', 'history']);
    expect((history.json as { hash: string }[]).map((r) => r.hash)).toEqual([hashOf(recent)]);
    const verify = await runCli(ws.root, ['agent', 'verify']);
    expect(verify.code).toBe(0);
    expect(verify.json).toMatchObject({ ledger: { entries: 3, ok: true } });
  });

  it('needs --max-age or --keep-last', async () => {
    const result = await runCli(ws.root, ['agent', 'retention', 'apply']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^agent error: retention: give --max-age, --keep-last or both/);
  });
});
