import { positionOf, type RuleHit, type RuleInfo, type ScannedFile } from './rule.js';

const rule = (
  id: string,
  title: string,
  description: string,
  severity: RuleInfo['severity'],
  remediation: string,
): RuleInfo => ({
  id,
  pack: 'hygiene',
  title,
  description,
  severity,
  tags: ['hygiene'],
  remediation,
});

export const HYGIENE_RULES: RuleInfo[] = [
  rule(
    'hygiene.large-file',
    'Large file',
    'A file is larger than the configured limit (it was not read).',
    'warn',
    'Keep large binaries out of git (Git LFS or an artifact store), or raise max_file_bytes in .sdetkit/audit.yaml.',
  ),
  rule(
    'hygiene.merge-conflict-marker',
    'Merge conflict marker',
    'A leftover merge conflict marker is committed.',
    'error',
    'Resolve the conflict and remove the <<<<<<<, ======= and >>>>>>> lines.',
  ),
  rule(
    'hygiene.mixed-line-endings',
    'Mixed line endings',
    'The file mixes CRLF and LF line endings.',
    'warn',
    'Normalize line endings (e.g. a .gitattributes with * text=auto).',
  ),
  rule(
    'hygiene.executable-non-script',
    'Executable bit on a non-script',
    'A file that is not a script has the executable bit set.',
    'warn',
    'Remove the bit: git update-index --chmod=-x <file>.',
  ),
  rule(
    'hygiene.unreadable-file',
    'Unreadable file',
    'A file could not be read.',
    'info',
    'Check the file permissions.',
  ),
];

const SCRIPT_EXTENSIONS = /\.(sh|bash|zsh|ksh|fish|py|pl|rb|js|mjs|cjs|ts|php|lua|r|ps1|cmd|bat|command)$/i;

export function checkHygiene(
  file: ScannedFile,
  enabled: (id: string) => boolean,
  maxFileBytes: number,
): RuleHit[] {
  const hits: RuleHit[] = [];
  const add = (id: string, line: number, column: number, message: string, context: string) => {
    if (enabled(id)) hits.push({ rule: id, path: file.path, line, column, message, context });
  };
  if (file.size > maxFileBytes)
    add(
      'hygiene.large-file',
      1,
      1,
      `${file.size} bytes is over the ${maxFileBytes}-byte limit`,
      `size>${maxFileBytes}`,
    );
  if (file.skipped?.startsWith('unreadable'))
    add('hygiene.unreadable-file', 1, 1, file.skipped, 'unreadable');
  const text = file.text;
  if (text === undefined) return hits;
  const marker = /^(<{7}(?: |$)|>{7}(?: |$))/m.exec(text);
  if (marker) {
    const at = positionOf(text, marker.index);
    add('hygiene.merge-conflict-marker', at.line, 1, 'merge conflict marker', at.lineText.trim());
  }
  const crlf = text.indexOf('\r\n');
  if (crlf !== -1 && /(^|[^\r])\n/.test(text)) {
    const lone = /(^|[^\r])\n/.exec(text)!;
    const at = positionOf(text, lone.index + lone[1]!.length);
    add('hygiene.mixed-line-endings', at.line, at.column, 'CRLF and LF line endings are mixed', 'mixed-eol');
  }
  if ((file.mode & 0o111) !== 0 && !SCRIPT_EXTENSIONS.test(file.path) && !text.startsWith('#!')) {
    add('hygiene.executable-non-script', 1, 1, 'executable bit set on a file that is not a script', 'mode+x');
  }
  return hits;
}
