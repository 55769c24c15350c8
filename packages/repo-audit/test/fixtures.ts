import { chmod, mkdir, mkdtemp, realpath, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';

/**
 * Token-shaped test values are assembled at run time so no credential-like
 * string is ever committed to this repository.
 */
export const FAKE = {
  aws: ['AKIA', 'IOSFODNN7', 'EXAMPLQ'].join(''),
  privateKey: [
    '-----BEGIN ',
    'RSA PRIVATE KEY-----\nMIIEowIBAAKCAQEA\n-----END RSA ',
    'PRIVATE KEY-----',
  ].join(''),
  slack: ['xox', 'b-', '1234567890-', '0987654321-', 'AbCdEfGhIjKlMnOpQrStUvWx'].join(''),
  slackWebhook: [
    'https://hooks.slack.com/services/',
    'T0000000A/',
    'B0000000B/',
    'XXXXXXXXabcdefgh12345678',
  ].join(''),
  telegram: ['123456789', ':AA', 'Hd8fK2mQp9Zr4Tx7Wb1Nc5Vy3Lg6Js0Eq'].join(''),
  github: ['gh', 'p_', 'a1B2c3D4e5F6g7H8i9J0k1L2m3N4o5P6q7R8'].join(''),
  entropy: ['Zx9', 'qP2v', 'Lm7tR4', 'wK8yB3nC6'].join(''),
};

/** A temp repository with the given files; `exec` marks executable files. */
export async function createRepo(files: Record<string, string | Buffer>, exec: string[] = []) {
  const root = await realpath(await mkdtemp(path.join(tmpdir(), 'sdetkit-audit-')));
  for (const [name, content] of Object.entries(files)) {
    const target = path.join(root, name);
    await mkdir(path.dirname(target), { recursive: true });
    await writeFile(target, content);
    if (exec.includes(name)) await chmod(target, 0o755);
  }
  return { root, cleanup: () => rm(root, { recursive: true, force: true }) };
}

/** The core documents, so core rules pass and tests can focus on others. */
export const CORE_FILES: Record<string, string> = {
  'README.md': '# demo\n',
  LICENSE: 'Apache-2.0\n',
  'SECURITY.md': 'Report privately.\n',
  'CONTRIBUTING.md': 'PRs welcome.\n',
  'CODE_OF_CONDUCT.md': 'Be kind.\n',
  '.gitignore': 'dist/\n',
  '.github/pull_request_template.md': '- [ ] tests\n',
  '.github/ISSUE_TEMPLATE/config.yml': 'blank_issues_enabled: false\n',
};
