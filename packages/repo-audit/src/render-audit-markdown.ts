import type { AuditReport } from './run-audit.js';

function cell(text: string): string {
  return `\`${text
    .replace(/[\r\n]+/g, ' ')
    .replaceAll('`', "'")
    .replaceAll('|', '\\|')}\``;
}

/** A markdown summary for pull requests and audit tickets. */
export function renderAuditMarkdown(report: AuditReport, limit = 50): string {
  const { summary } = report;
  const lines = [
    '# Repository audit',
    '',
    `Profile \`${report.profile}\`, packs ${report.packs.join(', ')}${report.changed_only ? `, changed files since \`${report.base}\`` : ''}.`,
    '',
    '| files | findings | error | warn | info | waived | expired waivers |',
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    `| ${summary.files_scanned} | ${summary.findings} | ${summary.by_severity.error} | ${summary.by_severity.warn} | ${summary.by_severity.info} | ${summary.waived} | ${summary.expired_waivers} |`,
    '',
  ];
  if (report.findings.length === 0) lines.push('No findings.');
  else {
    lines.push('| severity | rule | location | message |', '| --- | --- | --- | --- |');
    for (const f of report.findings.slice(0, limit))
      lines.push(`| ${f.severity} | ${f.rule} | ${cell(`${f.path}:${f.line}`)} | ${cell(f.message)} |`);
    if (report.findings.length > limit)
      lines.push('', `… and ${report.findings.length - limit} more (see the JSON report).`);
  }
  const expired = report.waivers.filter((w) => w.status === 'expired');
  if (expired.length > 0) {
    lines.push('', '## Expired waivers', '');
    for (const w of expired)
      lines.push(
        `- ${w.rule}${w.path ? ` (${cell(w.path)})` : ''}: expired ${w.expires}, owner ${cell(w.owner)}`,
      );
  }
  return `${lines.join('\n')}\n`;
}
