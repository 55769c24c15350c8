import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempWorkspace } from './run-cli.js';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
const KEY = ['AKIA', 'IOSFODNN7', 'EXAMPLQ'].join('');
beforeEach(async () => {
  ws = await tempWorkspace();
  await writeFile(path.join(ws.root, 'README.md'), '# x\n');
  await writeFile(path.join(ws.root, 'deploy.env'), `AWS_ACCESS_KEY_ID=${KEY}\n`);
});
afterEach(() => ws.cleanup());

describe('sdetkit repo audit', () => {
  it('prints the JSON report and exits 1 on error findings', async () => {
    const result = await runCli(ws.root, ['repo', 'audit']);
    expect(result.code).toBe(1);
    const report = result.json as { findings: { rule: string; path: string; line: number }[] };
    expect(report.findings).toContainEqual(
      expect.objectContaining({ rule: 'security.cloud-access-key', path: 'deploy.env', line: 1 }),
    );
    expect(result.stderr).toMatch(/^audit failed: /);
  });

  it('writes SARIF to --output and prints a summary; --fail-on none exits 0', async () => {
    const result = await runCli(ws.root, [
      'repo',
      'audit',
      '--format',
      'sarif',
      '--output',
      'out/audit.sarif.json',
      '--fail-on',
      'none',
    ]);
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({ status: 'ok', output: 'out/audit.sarif.json', format: 'sarif' });
    const sarif = JSON.parse(await readFile(path.join(ws.root, 'out/audit.sarif.json'), 'utf8'));
    expect(sarif.version).toBe('2.1.0');
    const key = sarif.runs[0].results.find(
      (r: { ruleId: string }) => r.ruleId === 'security.cloud-access-key',
    );
    expect(key.locations[0].physicalLocation.artifactLocation.uri).toBe('deploy.env');
    expect(key.level).toBe('error');
  });

  it('prints markdown with --format md', async () => {
    const result = await runCli(ws.root, ['repo', 'audit', '--format', 'md', '--fail-on', 'none']);
    expect(result.stdout).toMatch(/^# Repository audit/);
  });

  it('records a baseline and then reports only new findings', async () => {
    await runCli(ws.root, ['repo', 'audit', '--update-baseline', '--fail-on', 'none']);
    const clean = await runCli(ws.root, ['repo', 'audit', '--baseline']);
    expect(clean.code).toBe(0);
    await writeFile(path.join(ws.root, 'more.env'), `KEY2=${KEY.replace('Q', 'R')}\n`);
    const next = await runCli(ws.root, ['repo', 'audit', '--baseline']);
    expect(next.code).toBe(1);
    expect((next.json as { findings: { path: string }[] }).findings.map((f) => f.path)).toEqual(['more.env']);
  });

  it('fails with exit 2 for --changed-only outside git, a bad config and --base without --changed-only', async () => {
    const changed = await runCli(ws.root, ['repo', 'audit', '--changed-only']);
    expect(changed.code).toBe(2);
    expect(changed.stderr).toMatch(/^agent error: changed_only: not a git repository/);
    expect((await runCli(ws.root, ['repo', 'audit', '--base', 'main'])).code).toBe(2);
    await writeFile(path.join(ws.root, '.gitignore'), '');
    await runCli(ws.root, ['agent', 'init']);
    await writeFile(path.join(ws.root, '.sdetkit/audit.yaml'), 'profile: paranoid\n');
    const bad = await runCli(ws.root, ['repo', 'audit']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^agent error: \.sdetkit\/audit\.yaml:1: profile/);
  });
});
