import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, symlink, writeFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { writeBaseline } from '../src/baseline.js';
import { renderSarif } from '../src/render-sarif.js';
import { runAudit } from '../src/run-audit.js';
import { CORE_FILES, createRepo, FAKE } from './fixtures.js';

let repo: Awaited<ReturnType<typeof createRepo>>;
beforeEach(async () => {
  repo = await createRepo({
    ...CORE_FILES,
    'src/config.ts': `export const api_key = "${FAKE.entropy}";\n`,
    'src/merge.txt': '<<<<<<< ours\n',
    'fixtures/keys.env': `AWS=${FAKE.aws}\n`,
  });
});
afterEach(() => repo.cleanup());

const audit = (options: Partial<Parameters<typeof runAudit>[0]> = {}) =>
  runAudit({ root: repo.root, ...options });

describe('profiles and config', () => {
  it('default leaves out info rules; strict reports them and raises some severities', async () => {
    await writeFile(path.join(repo.root, 'CONTRIBUTING.md'), '');
    const strict = await audit({ profile: 'strict' });
    const byRule = (r: typeof strict, id: string) => r.findings.find((f) => f.rule === id)?.severity;
    expect(byRule(strict, 'security.secret-assignment')).toBe('error');
    const standard = await audit({ profile: 'default' });
    expect(byRule(standard, 'security.secret-assignment')).toBe('warn');
    expect(standard.checks.find((c) => c.rule === 'core.contributing')!.status).toBe('skipped');
  });

  it('applies per-rule overrides and refuses an invalid config naming the line', async () => {
    await mkdir(path.join(repo.root, '.sdetkit'), { recursive: true });
    await writeFile(
      path.join(repo.root, '.sdetkit/audit.yaml'),
      'rules:\n  hygiene.merge-conflict-marker: off\n  security.secret-assignment: {severity: info}\n',
    );
    const report = await audit();
    expect(report.findings.some((f) => f.rule === 'hygiene.merge-conflict-marker')).toBe(false);
    expect(report.findings.find((f) => f.rule === 'security.secret-assignment')!.severity).toBe('info');
    await writeFile(
      path.join(repo.root, '.sdetkit/audit.yaml'),
      'max_file_bytes: 100\nrules:\n  hygiene.merge-conflict-marker: loud\n',
    );
    await expect(audit()).rejects.toThrow(/^\.sdetkit\/audit\.yaml:3: rules\.hygiene\.merge-conflict-marker/);
    await writeFile(path.join(repo.root, '.sdetkit/audit.yaml'), 'rules:\n  no.such-rule: off\n');
    await expect(audit()).rejects.toThrow(/rules\.no\.such-rule: unknown rule/);
  });

  it('honours .gitignore and does not follow symlinks out of the tree', async () => {
    await writeFile(path.join(repo.root, '.gitignore'), 'fixtures/\n');
    const outside = await createRepo({ 'leak.env': `AWS=${FAKE.aws}\n` });
    try {
      await symlink(outside.root, path.join(repo.root, 'linked'));
      const report = await audit();
      expect(
        report.findings.some((f) => f.path.startsWith('fixtures/') || f.path.startsWith('linked/')),
      ).toBe(false);
    } finally {
      await outside.cleanup();
    }
  });
});

describe('waivers', () => {
  const waivers = (expires: string, extra = '') =>
    `waivers:\n  - rule: security.cloud-access-key\n    path: "fixtures/**"\n    owner: alice@example.com\n    reason: fake keys for parser tests\n    expires: ${expires}\n${extra}`;

  it('suppresses with an active waiver and lists it in the report', async () => {
    await mkdir(path.join(repo.root, '.sdetkit'), { recursive: true });
    await writeFile(path.join(repo.root, '.sdetkit/waivers.yaml'), waivers('2026-12-31'));
    const report = await audit({ env: { SDETKIT_TODAY: '2026-12-31' } });
    expect(report.findings.some((f) => f.rule === 'security.cloud-access-key')).toBe(false);
    expect(report.waived).toEqual([
      expect.objectContaining({
        rule: 'security.cloud-access-key',
        waiver: expect.objectContaining({ owner: 'alice@example.com' }),
      }),
    ]);
    expect(report.waivers[0]).toMatchObject({ status: 'active', matches: 1 });
    expect(report.checks.find((c) => c.rule === 'security.cloud-access-key')!.status).toBe('waived');
  });

  it('stops suppressing after expiry and reports the waiver as expired', async () => {
    await mkdir(path.join(repo.root, '.sdetkit'), { recursive: true });
    await writeFile(path.join(repo.root, '.sdetkit/waivers.yaml'), waivers('2026-12-31'));
    const report = await audit({ env: { SDETKIT_TODAY: '2027-01-01' } });
    expect(report.findings.some((f) => f.rule === 'security.cloud-access-key')).toBe(true);
    expect(report.waivers[0]).toMatchObject({ status: 'expired' });
    expect(report.summary.expired_waivers).toBe(1);
  });

  it('refuses a malformed date or missing owner, naming the line', async () => {
    await mkdir(path.join(repo.root, '.sdetkit'), { recursive: true });
    await writeFile(path.join(repo.root, '.sdetkit/waivers.yaml'), waivers('31/12/2026'));
    await expect(audit()).rejects.toThrow(/^\.sdetkit\/waivers\.yaml:6: waivers\.0\.expires/);
    await writeFile(
      path.join(repo.root, '.sdetkit/waivers.yaml'),
      'waivers:\n  - rule: x\n    reason: r\n    expires: 2026-01-01\n',
    );
    await expect(audit()).rejects.toThrow(/waivers\.yaml:2: waivers\.0\.owner/);
  });
});

describe('fingerprints and baselines', () => {
  it('keeps fingerprints when unrelated lines move the finding', async () => {
    const before = await audit();
    const file = path.join(repo.root, 'src/config.ts');
    await writeFile(file, `// header\n// more\nexport const api_key = "${FAKE.entropy}";\n`);
    const after = await audit();
    const fp = (r: typeof before) => r.findings.find((f) => f.rule === 'security.secret-assignment')!;
    expect(fp(after).line).toBe(3);
    expect(fp(after).fingerprint).toBe(fp(before).fingerprint);
  });

  it('reports only new findings against a baseline', async () => {
    await writeBaseline(repo.root, (await audit()).findings);
    await appendFile(path.join(repo.root, 'src/config.ts'), `export const password = "${FAKE.entropy}Q1";\n`);
    const report = await audit({ useBaseline: true });
    expect(report.findings.map((f) => `${f.rule}:${f.line}`)).toEqual(['security.secret-assignment:2']);
    expect(report.summary.baseline_known).toBeGreaterThan(0);
  });

  it('gives byte-identical JSON and SARIF for the same tree', async () => {
    const a = await audit();
    const b = await audit();
    expect(JSON.stringify(b)).toBe(JSON.stringify(a));
    expect(JSON.stringify(renderSarif(b))).toBe(JSON.stringify(renderSarif(a)));
  });
});

describe('SARIF 2.1.0', () => {
  it('validates against the SARIF 2.1.0 JSON schema', async () => {
    const require = createRequire(import.meta.url);
    const schema = require('@microsoft/jest-sarif/lib/schemas/sarif-2.1.0-rtm.5.json');
    // The SARIF schema is JSON Schema draft-04; one of its patterns is not valid in unicode mode.
    const AjvDraft04 = require('ajv-draft-04') as {
      default: new (
        o: object,
      ) => { compile(s: object): ((d: unknown) => boolean) & { errors?: unknown[] | null } };
    };
    const ajv = new AjvDraft04.default({ allErrors: true, strict: false, unicodeRegExp: false });
    const validate = ajv.compile(schema);
    const sarif = renderSarif(await audit({ profile: 'strict' }));
    const valid = validate(sarif);
    expect(validate.errors ?? []).toEqual([]);
    expect(valid).toBe(true);
    const run = (sarif as { runs: { results: { ruleId: string; locations: unknown[] }[] }[] }).runs[0]!;
    expect(run.results.length).toBeGreaterThan(0);
  });
});

describe('changed-only audits', () => {
  it('fails clearly outside a git repository and for an unknown base ref', async () => {
    await expect(audit({ changedOnly: true })).rejects.toThrow(/not a git repository/);
    execFileSync('git', ['init', '-q', '-b', 'main'], { cwd: repo.root });
    await expect(audit({ changedOnly: true, base: 'no-such-branch' })).rejects.toThrow(
      /--base: ref no-such-branch does not exist/,
    );
  });

  it('audits only files changed since the base', async () => {
    const git = (...args: string[]) =>
      execFileSync('git', args, {
        cwd: repo.root,
        env: {
          ...process.env,
          GIT_AUTHOR_NAME: 't',
          GIT_AUTHOR_EMAIL: 't@e',
          GIT_COMMITTER_NAME: 't',
          GIT_COMMITTER_EMAIL: 't@e',
        },
      });
    git('init', '-q', '-b', 'main');
    git('add', '-A');
    git('commit', '-q', '-m', 'base');
    await writeFile(path.join(repo.root, 'src/new.ts'), `export const token = "${FAKE.github}";\n`);
    const report = await audit({ changedOnly: true, base: 'HEAD' });
    expect(report.findings.map((f) => f.path)).toEqual(['src/new.ts']);
    expect(report.summary.files_scanned).toBe(1);
    expect(report.checks.find((c) => c.rule === 'core.readme')!.status).toBe('skipped');
  });
});
