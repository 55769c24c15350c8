import { describe, expect, it } from 'vitest';
import { runAudit } from '../src/run-audit.js';
import { CORE_FILES, createRepo, FAKE } from './fixtures.js';

async function audit(
  files: Record<string, string | Buffer>,
  options: Partial<Parameters<typeof runAudit>[0]> = {},
  exec: string[] = [],
) {
  const repo = await createRepo({ ...CORE_FILES, ...files }, exec);
  try {
    return await runAudit({ root: repo.root, profile: 'strict', ...options });
  } finally {
    await repo.cleanup();
  }
}

const rulesAt = (report: Awaited<ReturnType<typeof runAudit>>, path: string) =>
  report.findings.filter((f) => f.path === path).map((f) => `${f.rule}:${f.line}`);

describe('security: committed secrets', () => {
  it('finds every known token format and high-entropy assignments, with line and column', async () => {
    const report = await audit({
      'config/prod.env': [
        `AWS_ACCESS_KEY_ID=${FAKE.aws}`,
        `SLACK=${FAKE.slack}`,
        `WEBHOOK=${FAKE.slackWebhook}`,
        `TELEGRAM=${FAKE.telegram}`,
        `GH=${FAKE.github}`,
        `api_key = "${FAKE.entropy}"`,
      ].join('\n'),
      'keys/id_rsa': FAKE.privateKey,
    });
    expect(rulesAt(report, 'config/prod.env')).toEqual([
      'security.cloud-access-key:1',
      'security.chat-token:2',
      'security.chat-token:3',
      'security.chat-token:4',
      'security.github-token:5',
      'security.secret-assignment:6',
    ]);
    expect(rulesAt(report, 'keys/id_rsa')).toEqual(['security.private-key:1']);
    expect(report.findings.find((f) => f.rule === 'security.cloud-access-key')).toMatchObject({
      column: 19,
      severity: 'error',
    });
  });

  it('does not flag lockfile integrity hashes, base64 fixtures, UUIDs, placeholders or code', async () => {
    const report = await audit({
      'package-lock.json': JSON.stringify({
        packages: {
          'node_modules/a': {
            integrity: 'sha512-Zx9qP2vLm7tR4wK8yB3nC6Zx9qP2vLm7tR4wK8yB3nC6==',
            resolved: 'https://registry.npmjs.org/a/-/a-1.0.0.tgz',
          },
        },
      }),
      'pnpm-lock.yaml':
        'packages:\n  a@1.0.0:\n    resolution: {integrity: sha512-Zx9qP2vLm7tR4wK8yB3nC6Zx9qP2vLm7tR4wK8yB3nC6==}\n',
      'test/fixtures/data.json': JSON.stringify({
        image:
          'iVBORw0KGgoAAAANSUhEUgAAAAEAAAABCAYAAAAfFcSJAAAADUlEQVR42mNkYPhfDwAChwGA60e6kgAAAABJRU5ErkJggg==',
      }),
      'src/ids.ts': [
        "const session_token = '3f2504e0-4f89-11d3-9a0c-0305e82c3301';",
        'const api_key = process.env.API_KEY;',
        "const password = '${{ secrets.DB_PASSWORD }}';",
        'const token_budget = z.number().int().min(0).default(0);',
        "const commit_token = 'a94a8fe5ccb19ba61c4c0873d391e987982fbbd3';",
        "const secret_name = 'database-password-primary';",
        "const token = 'your-token-here-1234567890';",
      ].join('\n'),
    });
    expect(report.findings.filter((f) => f.rule.startsWith('security.'))).toEqual([]);
  });
});

describe('security: CI workflow risks', () => {
  it('finds pull_request_target checkouts, unpinned actions, write-all and script injection', async () => {
    const report = await audit({
      '.github/workflows/ci.yml': [
        'on: [pull_request_target]',
        'permissions: write-all',
        'jobs:',
        '  build:',
        '    runs-on: ubuntu-latest',
        '    steps:',
        '      - uses: actions/checkout@v4',
        '        with:',
        '          ref: ${{ github.event.pull_request.head.sha }}',
        '      - uses: actions/setup-node@1e60f620b9541d16bece96c5465dc8ee9832be0b',
        '      - uses: ./local-action',
        '      - run: echo "${{ github.event.issue.title }}"',
        '      - name: multi',
        '        run: |',
        '          echo start',
        '          echo "${{ github.event.pull_request.body }}"',
        '      - run: echo "${{ github.sha }}"',
      ].join('\n'),
    });
    expect(rulesAt(report, '.github/workflows/ci.yml')).toEqual([
      'security.workflow-write-all:2',
      'security.workflow-unpinned-action:7',
      'security.workflow-pr-target-checkout:9',
      'security.workflow-script-injection:12',
      'security.workflow-script-injection:16',
    ]);
  });
});

describe('hygiene', () => {
  it('finds conflict markers, mixed line endings, executable non-scripts and large files (not read)', async () => {
    const report = await audit(
      {
        'src/merge.ts': 'a\n<<<<<<< HEAD\nb\n=======\nc\n>>>>>>> main\n',
        'src/eol.txt': 'one\r\ntwo\nthree\r\n',
        'docs/notes.md': 'not a script\n',
        'scripts/run': '#!/bin/sh\necho ok\n',
        'scripts/build.sh': 'echo ok\n',
        'assets/big.bin': Buffer.alloc(2048, 97),
      },
      {},
      ['docs/notes.md', 'scripts/run', 'scripts/build.sh'],
    );
    expect(rulesAt(report, 'src/merge.ts')).toEqual(['hygiene.merge-conflict-marker:2']);
    expect(rulesAt(report, 'src/eol.txt')).toEqual(['hygiene.mixed-line-endings:2']);
    expect(rulesAt(report, 'docs/notes.md')).toEqual(['hygiene.executable-non-script:1']);
    expect(rulesAt(report, 'scripts/run')).toEqual([]);
    expect(rulesAt(report, 'scripts/build.sh')).toEqual([]);
    expect(report.findings.some((f) => f.path === 'assets/big.bin')).toBe(false);
  });

  it('reports files over max_file_bytes without reading them', async () => {
    const report = await audit({
      '.sdetkit/audit.yaml': 'max_file_bytes: 1000\n',
      'assets/big.env': `${'x'.repeat(1200)}\napi_key = "${FAKE.entropy}"\n`,
    });
    expect(rulesAt(report, 'assets/big.env')).toEqual(['hygiene.large-file:1']);
  });

  it('skips binary files', async () => {
    const report = await audit({
      'bin/tool': Buffer.concat([Buffer.from([0, 1, 2]), Buffer.from(`api_key="${FAKE.entropy}"`)]),
    });
    expect(rulesAt(report, 'bin/tool')).toEqual([]);
  });
});

describe('deps', () => {
  it('finds manifests without lockfiles and lockfiles missing a dependency', async () => {
    const report = await audit({
      'package.json': JSON.stringify({ dependencies: { zod: '4.0.0', leftpad: '1.0.0' } }, null, 2),
      'package-lock.json': JSON.stringify({
        packages: { '': { dependencies: { zod: '4.0.0' } }, 'node_modules/zod': {} },
      }),
      'tools/package.json': JSON.stringify({ devDependencies: { x: '1' } }),
      'svc/go.mod': 'module example.com/svc\n\nrequire github.com/pkg/errors v0.9.1\n',
      'empty/package.json': '{"name": "no-deps"}',
    });
    expect(rulesAt(report, 'package.json')).toEqual(['deps.lockfile-outdated:4']);
    expect(rulesAt(report, 'svc/go.mod')).toEqual(['deps.missing-lockfile:1']);
    expect(rulesAt(report, 'empty/package.json')).toEqual([]);
    // tools/ shares the root lockfile (workspace): x is missing from it.
    expect(rulesAt(report, 'tools/package.json')).toEqual(['deps.lockfile-outdated:1']);
  });
});

describe('core', () => {
  it('reports every missing governance document and passes the present ones', async () => {
    const repo = await createRepo({ 'README.md': '# x\n' });
    try {
      const report = await runAudit({ root: repo.root, profile: 'strict' });
      const core = report.checks.filter((c) => c.pack === 'core');
      expect(core.find((c) => c.rule === 'core.readme')!.status).toBe('pass');
      expect(core.filter((c) => c.status === 'fail').map((c) => c.rule)).toEqual([
        'core.license',
        'core.security-policy',
        'core.contributing',
        'core.code-of-conduct',
        'core.gitignore',
        'core.pr-template',
        'core.issue-template-config',
      ]);
    } finally {
      await repo.cleanup();
    }
  });
});
