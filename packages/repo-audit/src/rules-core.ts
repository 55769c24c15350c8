import type { RuleHit, RuleInfo, ScannedFile } from './rule.js';

interface PresenceRule extends RuleInfo {
  /** Any of these paths satisfies the rule (case-insensitive). */
  candidates: string[];
  /** Where the finding points when none exists. */
  expected: string;
}

const presence = (
  id: string,
  title: string,
  expected: string,
  candidates: string[],
  remediation: string,
  severity: RuleInfo['severity'] = 'warn',
): PresenceRule => ({
  id,
  pack: 'core',
  title,
  description: `The repository should contain ${title.toLowerCase()}.`,
  severity,
  tags: ['documentation', 'governance'],
  remediation,
  candidates,
  expected,
});

export const CORE_RULES: PresenceRule[] = [
  presence(
    'core.readme',
    'A README',
    'README.md',
    ['README', 'README.md', 'README.rst', 'README.txt', 'readme.md'],
    'Add a README.md that says what the project is and how to run it.',
  ),
  presence(
    'core.license',
    'A license',
    'LICENSE',
    ['LICENSE', 'LICENSE.md', 'LICENSE.txt', 'LICENCE', 'COPYING'],
    'Add a LICENSE file so users know the terms of use.',
  ),
  presence(
    'core.security-policy',
    'A security policy',
    'SECURITY.md',
    ['SECURITY.md', '.github/SECURITY.md', 'docs/SECURITY.md'],
    'Add SECURITY.md saying how to report a vulnerability privately.',
  ),
  presence(
    'core.contributing',
    'Contribution guidelines',
    'CONTRIBUTING.md',
    ['CONTRIBUTING.md', '.github/CONTRIBUTING.md', 'docs/CONTRIBUTING.md'],
    'Add CONTRIBUTING.md with how to build, test and propose changes.',
    'info',
  ),
  presence(
    'core.code-of-conduct',
    'A code of conduct',
    'CODE_OF_CONDUCT.md',
    ['CODE_OF_CONDUCT.md', '.github/CODE_OF_CONDUCT.md', 'docs/CODE_OF_CONDUCT.md'],
    'Add CODE_OF_CONDUCT.md (for example the Contributor Covenant).',
    'info',
  ),
  presence(
    'core.gitignore',
    'A .gitignore',
    '.gitignore',
    ['.gitignore'],
    'Add a .gitignore so build output and local files are not committed.',
  ),
  presence(
    'core.pr-template',
    'A pull request template',
    '.github/pull_request_template.md',
    [
      '.github/pull_request_template.md',
      '.github/PULL_REQUEST_TEMPLATE.md',
      'PULL_REQUEST_TEMPLATE.md',
      'docs/pull_request_template.md',
    ],
    'Add .github/pull_request_template.md with the checklist reviewers expect.',
    'info',
  ),
  presence(
    'core.issue-template-config',
    'An issue template config',
    '.github/ISSUE_TEMPLATE/config.yml',
    ['.github/ISSUE_TEMPLATE/config.yml', '.github/ISSUE_TEMPLATE/config.yaml'],
    'Add .github/ISSUE_TEMPLATE/config.yml to route issues (and security reports) to the right place.',
    'info',
  ),
];

/** Repository-level presence checks. */
export function checkCore(files: readonly ScannedFile[], enabled: (id: string) => boolean): RuleHit[] {
  const present = new Set(files.map((f) => f.path.toLowerCase()));
  const dirs = new Set(files.map((f) => f.path.toLowerCase().split('/').slice(0, -1).join('/')));
  const hits: RuleHit[] = [];
  for (const rule of CORE_RULES) {
    if (!enabled(rule.id)) continue;
    const found = rule.candidates.some((c) => present.has(c.toLowerCase()) || dirs.has(c.toLowerCase()));
    if (!found) {
      hits.push({
        rule: rule.id,
        path: rule.expected,
        line: 1,
        column: 1,
        message: `${rule.title} is missing (expected ${rule.expected})`,
        context: rule.expected,
      });
    }
  }
  return hits;
}
