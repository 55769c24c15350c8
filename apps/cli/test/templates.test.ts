import { execFileSync } from 'node:child_process';
import { mkdir, readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempWorkspace } from './run-cli.js';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
  await runCli(ws.root, ['agent', 'init']);
});
afterEach(() => ws.cleanup());

async function tree(dir: string): Promise<string[]> {
  const out: string[] = [];
  const walk = async (d: string, prefix: string) => {
    for (const entry of await readdir(d, { withFileTypes: true }).catch(() => [])) {
      const rel = `${prefix}${entry.name}`;
      out.push(rel);
      if (entry.isDirectory()) await walk(path.join(d, entry.name), `${rel}/`);
    }
  };
  await walk(dir, '');
  return out.sort();
}

describe('sdetkit agent templates', () => {
  it('lists the bundled catalog with the contract keys', async () => {
    const result = await runCli(ws.root, ['agent', 'templates', 'list']);
    expect(result.code).toBe(0);
    const { templates } = result.json as { templates: { id: string }[] };
    expect(templates.map((t) => t.id)).toEqual(
      expect.arrayContaining(['report-dashboard', 'ci-artifact-bundle']),
    );
    expect(Object.keys(templates[0]!).sort()).toEqual(['description', 'id', 'source', 'title', 'version']);
  });

  it('shows one template', async () => {
    const result = await runCli(ws.root, ['agent', 'templates', 'show', 'ci-artifact-bundle']);
    expect(result.json).toMatchObject({
      metadata: { id: 'ci-artifact-bundle' },
      inputs: { source_dir: {} },
      workflow: [{ action: 'artifacts.bundle' }],
    });
  });

  it('runs all nine catalog templates green on a fresh git workspace, with the contract artifacts', async () => {
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: ws.root,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@e',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@e',
        },
      });
    await writeFile(path.join(ws.root, 'README.md'), '# demo\n');
    await writeFile(
      path.join(ws.root, 'package.json'),
      '{"name": "demo", "dependencies": {"zod": "4.0.0"}}\n',
    );
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'init');
    const result = await runCli(ws.root, ['agent', 'templates', 'run-all']);
    expect(result.code).toBe(0);
    const runs = (result.json as { runs: { template: string; status: string; artifacts: string[] }[] }).runs;
    expect(runs.map((r) => `${r.template}:${r.status}`)).toEqual([
      'change-only-audit:ok',
      'ci-artifact-bundle:ok',
      'dependency-inventory:ok',
      'history-export:ok',
      'pre-commit-checks:ok',
      'release-readiness:ok',
      'repo-health-audit:ok',
      'report-dashboard:ok',
      'security-governance-summary:ok',
    ]);
    const names = (id: string) => runs.find((r) => r.template === id)!.artifacts.map((a) => path.basename(a));
    expect(names('repo-health-audit')).toEqual(['repo-audit.json', 'repo-audit.sarif.json']);
    expect(names('security-governance-summary')).toEqual([
      'security-audit.json',
      'security-governance-summary.md',
    ]);
    expect(names('change-only-audit')).toEqual(['changed-only-audit.json']);
    const inventory = JSON.parse(
      await readFile(
        path.join(ws.root, '.sdetkit/agent/template-runs/dependency-inventory/dependencies.json'),
        'utf8',
      ),
    );
    expect(inventory.dependencies).toEqual([
      expect.objectContaining({ ecosystem: 'npm', name: 'zod', version: '4.0.0' }),
    ]);
    const dashboard = runs.find((r) => r.template === 'report-dashboard')!;
    expect(dashboard.artifacts).toEqual([
      '.sdetkit/agent/template-runs/report-dashboard/dashboard.html',
      '.sdetkit/agent/template-runs/report-dashboard/dashboard.md',
    ]);
    const bundle = runs.find((r) => r.template === 'ci-artifact-bundle')!;
    expect(bundle.artifacts.map((a) => path.basename(a))).toEqual(['artifacts.tar', 'manifest.txt']);
  });

  it('types --set values and refuses unknown keys and wrong types with exit 2', async () => {
    const unknown = await runCli(ws.root, [
      'agent',
      'templates',
      'run',
      'report-dashboard',
      '--set',
      'nope=1',
    ]);
    expect(unknown.code).toBe(2);
    expect(unknown.stderr).toMatch(/^agent error: --set nope: unknown input for report-dashboard/);
    const bad = await runCli(ws.root, [
      'agent',
      'templates',
      'run',
      'report-dashboard',
      '--set',
      'since=yesterday',
    ]);
    expect(bad.code).toBe(1);
    expect(JSON.stringify(bad.json)).toContain('report.build failed: since: expected an ISO date');
  });

  it('dry-runs with verdicts and writes nothing', async () => {
    const before = await tree(ws.root);
    const result = await runCli(ws.root, ['agent', 'templates', 'run', 'ci-artifact-bundle', '--dry-run']);
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({
      dry_run: true,
      steps: [{ action: 'artifacts.bundle', verdict: 'allowed' }],
    });
    expect(await tree(ws.root)).toEqual(before);
  });

  it('packs byte-identically, verifies, catches a one-byte change and installs', async () => {
    const first = await runCli(ws.root, ['agent', 'templates', 'pack']);
    const second = await runCli(ws.root, ['agent', 'templates', 'pack', '--output', 'other.tar']);
    expect(first.json).toMatchObject({ output: '.sdetkit/agent/templates/automation-templates.tar' });
    expect((second.json as { sha256: string }).sha256).toBe((first.json as { sha256: string }).sha256);
    expect((await runCli(ws.root, ['agent', 'templates', 'verify', 'other.tar'])).code).toBe(0);

    const bytes = await readFile(path.join(ws.root, 'other.tar'));
    const at = bytes.indexOf('metadata:');
    bytes[at] = 'M'.charCodeAt(0);
    await writeFile(path.join(ws.root, 'tampered.tar'), bytes);
    const tampered = await runCli(ws.root, ['agent', 'templates', 'verify', 'tampered.tar']);
    expect(tampered.code).toBe(1);
    expect(tampered.json).toMatchObject({
      ok: false,
      problems: expect.arrayContaining([expect.stringContaining('checksum mismatch')]),
    });
    const refused = await runCli(ws.root, ['agent', 'templates', 'install', 'tampered.tar']);
    expect(refused.code).toBe(2);
    expect(await tree(path.join(ws.root, 'templates'))).toEqual([]);

    const installed = await runCli(ws.root, ['agent', 'templates', 'install', 'other.tar']);
    expect(installed.code).toBe(0);
    expect((installed.json as { installed: string[] }).installed).toContain(
      'templates/automations/report-dashboard.yaml',
    );
  });

  it('validates the catalog and reports a broken repository template with file and line', async () => {
    expect((await runCli(ws.root, ['agent', 'templates', 'validate'])).code).toBe(0);
    await mkdir(path.join(ws.root, 'templates/automations'), { recursive: true });
    await writeFile(
      path.join(ws.root, 'templates/automations/mine.yaml'),
      'metadata: {id: mine, title: Mine, version: 1.0.0, description: d}\nworkflow:\n  - {id: a, action: no.such.action}\n',
    );
    const result = await runCli(ws.root, ['agent', 'templates', 'validate']);
    expect(result.code).toBe(1);
    expect(JSON.stringify(result.json)).toContain(
      'templates/automations/mine.yaml: workflow.0.action: unknown action no.such.action',
    );
  });

  it('counts template:<id> runs in history and dashboards', async () => {
    const run = await runCli(ws.root, ['agent', 'run', 'template:report-dashboard']);
    expect(run.code).toBe(0);
    expect(run.json).toMatchObject({ actions: [{ action: 'template.run', ok: true }] });
    const dashboard = await runCli(ws.root, ['agent', 'dashboard', 'build', '--format', 'json']);
    expect(dashboard.code).toBe(0);
    const summary = JSON.parse(
      await readFile(path.join(ws.root, '.sdetkit/agent/workdir/agent-dashboard.json'), 'utf8'),
    );
    expect(summary.top_templates).toEqual([{ name: 'report-dashboard', count: 1 }]);
  });

  it('fails with exit 2 for an unknown template id', async () => {
    const result = await runCli(ws.root, ['agent', 'templates', 'run', 'nope']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^agent error: template nope not found/);
  });
});
