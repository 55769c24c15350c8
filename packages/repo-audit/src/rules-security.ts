import { positionOf, type RuleHit, type RuleInfo, type ScannedFile } from './rule.js';
import { looksLikeSecretValue, SECRET_ASSIGNMENT, TOKEN_PATTERNS } from './secret-patterns.js';

const rule = (
  id: string,
  title: string,
  description: string,
  severity: RuleInfo['severity'],
  tags: string[],
  remediation: string,
): RuleInfo => ({
  id,
  pack: 'security',
  title,
  description,
  severity,
  tags: ['security', ...tags],
  remediation,
});

const ROTATE =
  'Remove it from the repository and its history, rotate the credential, and load it from a secret store or environment variable.';

export const SECURITY_RULES: RuleInfo[] = [
  rule(
    'security.private-key',
    'Committed private key',
    'A private key block is committed.',
    'error',
    ['secrets'],
    ROTATE,
  ),
  rule(
    'security.cloud-access-key',
    'Committed cloud access key',
    'A cloud provider access key id is committed.',
    'error',
    ['secrets'],
    ROTATE,
  ),
  rule(
    'security.chat-token',
    'Committed chat token',
    'A Slack or Telegram token or webhook URL is committed.',
    'error',
    ['secrets'],
    ROTATE,
  ),
  rule(
    'security.github-token',
    'Committed GitHub token',
    'A GitHub personal access or app token is committed.',
    'error',
    ['secrets'],
    ROTATE,
  ),
  rule(
    'security.secret-assignment',
    'High-entropy value assigned to a secret name',
    'A long, random-looking value is assigned to a name like token, password or api_key.',
    'warn',
    ['secrets'],
    ROTATE,
  ),
  rule(
    'security.workflow-pr-target-checkout',
    'pull_request_target checks out the pull request',
    'A pull_request_target workflow checks out untrusted pull request code with the base repository secrets.',
    'error',
    ['ci', 'supply-chain'],
    'Use pull_request instead, or never check out the head of the pull request in pull_request_target workflows.',
  ),
  rule(
    'security.workflow-unpinned-action',
    'Action not pinned to a commit',
    'A workflow uses an action by branch or tag instead of a full commit sha.',
    'warn',
    ['ci', 'supply-chain'],
    'Pin third-party actions to a full 40-character commit sha (keep the tag in a comment).',
  ),
  rule(
    'security.workflow-write-all',
    'Workflow grants write-all',
    'A workflow or job grants every permission with permissions: write-all.',
    'error',
    ['ci'],
    'Grant only the permissions each job needs, e.g. permissions: {contents: read}.',
  ),
  rule(
    'security.workflow-script-injection',
    'Untrusted input in a run script',
    'A run: script interpolates attacker-controlled github.event data directly.',
    'error',
    ['ci', 'injection'],
    'Pass the value through an environment variable (env: TITLE: ${{ github.event.issue.title }}) and quote it in the script.',
  ),
];

const LOCKFILES =
  /(^|\/)(package-lock\.json|npm-shrinkwrap\.json|pnpm-lock\.yaml|yarn\.lock|Cargo\.lock|go\.sum|poetry\.lock|Pipfile\.lock|composer\.lock|Gemfile\.lock)$/;

/** Token formats and high-entropy assignments in one text file. */
export function checkSecrets(file: ScannedFile, enabled: (id: string) => boolean): RuleHit[] {
  const text = file.text;
  if (text === undefined) return [];
  const hits: RuleHit[] = [];
  for (const { rule: id, label, pattern } of TOKEN_PATTERNS) {
    if (!enabled(id)) continue;
    for (const match of text.matchAll(pattern)) {
      const at = positionOf(text, match.index);
      hits.push({
        rule: id,
        path: file.path,
        line: at.line,
        column: at.column,
        message: `${label} found`,
        context: at.lineText.trim(),
      });
    }
  }
  // Lockfiles are full of integrity hashes; they never hold credentials.
  if (enabled('security.secret-assignment') && !LOCKFILES.test(file.path)) {
    for (const match of text.matchAll(SECRET_ASSIGNMENT)) {
      const value = match[4]!;
      if (!looksLikeSecretValue(value)) continue;
      const at = positionOf(text, match.index);
      if (hits.some((h) => h.line === at.line)) continue;
      hits.push({
        rule: 'security.secret-assignment',
        path: file.path,
        line: at.line,
        column: at.column,
        message: `high-entropy value assigned to ${match[2]}`,
        context: at.lineText.trim(),
      });
    }
  }
  return hits;
}

const UNTRUSTED =
  /\$\{\{\s*(github\.event\.(?:issue|pull_request|comment|review|review_comment|discussion|head_commit|commits|pages|workflow_run)\b[\w.[\]*-]*|github\.head_ref)\s*\}\}/;

/** GitHub Actions workflow risks, found line by line (with the run: block each line belongs to). */
export function checkWorkflow(file: ScannedFile, enabled: (id: string) => boolean): RuleHit[] {
  if (file.text === undefined || !/^\.github\/workflows\/[^/]+\.ya?ml$/.test(file.path)) return [];
  const lines = file.text.split(/\r?\n/);
  const hits: RuleHit[] = [];
  const hit = (id: string, index: number, column: number, message: string) => {
    if (enabled(id))
      hits.push({
        rule: id,
        path: file.path,
        line: index + 1,
        column,
        message,
        context: lines[index]!.trim(),
      });
  };
  const prTarget = /(^|\s|\[|,)pull_request_target\b/m.test(file.text);
  let runIndent = -1;
  for (const [index, line] of lines.entries()) {
    const indent = line.length - line.trimStart().length;
    const trimmed = line.trim();
    if (runIndent >= 0 && trimmed !== '' && indent <= runIndent) runIndent = -1;
    const run = /^(\s*)(?:-\s+)?run:\s*(.*)$/.exec(line);
    const inRun = runIndent >= 0 || run !== null;
    if (run) runIndent = run[1]!.length + (line.trimStart().startsWith('-') ? 2 : 0);
    if (inRun) {
      const untrusted = UNTRUSTED.exec(line);
      if (untrusted)
        hit(
          'security.workflow-script-injection',
          index,
          untrusted.index + 1,
          `run: script interpolates ${untrusted[1]}`,
        );
    }
    const uses = /^\s*(?:-\s+)?uses:\s*["']?([^\s"'#]+)/.exec(line);
    if (uses) {
      const ref = uses[1]!;
      if (!ref.startsWith('./') && !ref.startsWith('docker://')) {
        const at = ref.lastIndexOf('@');
        const version = at === -1 ? '' : ref.slice(at + 1);
        if (!/^[0-9a-f]{40}$/.test(version)) {
          hit(
            'security.workflow-unpinned-action',
            index,
            line.indexOf(ref) + 1,
            `${ref} is not pinned to a commit sha`,
          );
        }
      }
    }
    if (/^\s*permissions:\s*["']?write-all["']?\s*(#.*)?$/.test(line)) {
      hit('security.workflow-write-all', index, line.indexOf('write-all') + 1, 'permissions: write-all');
    }
    if (
      prTarget &&
      /^\s*ref:\s*.*\$\{\{\s*github\.(event\.pull_request\.head\.(sha|ref)|head_ref)\s*\}\}/.test(line)
    ) {
      hit(
        'security.workflow-pr-target-checkout',
        index,
        line.indexOf('ref:') + 1,
        'pull_request_target workflow checks out the pull request head',
      );
    }
  }
  return hits;
}
