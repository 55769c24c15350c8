import type { AuditReport } from './run-audit.js';

const LEVEL = { error: 'error', warn: 'warning', info: 'note' } as const;

/**
 * SARIF 2.1.0 for code-scanning UIs: one run, the rules that can report
 * (with help and tags), results with repository-relative locations and a
 * stable partial fingerprint.
 */
export function renderSarif(report: AuditReport): object {
  const rules = report.rules;
  const index = new Map(rules.map((r, i) => [r.id, i]));
  return {
    $schema: 'https://json.schemastore.org/sarif-2.1.0.json',
    version: '2.1.0',
    runs: [
      {
        tool: {
          driver: {
            name: report.tool.name,
            version: report.tool.version,
            informationUri: 'https://github.com/sdetkit/sdetkit',
            rules: rules.map((rule) => ({
              id: rule.id,
              name: rule.title
                .replace(/[^A-Za-z0-9]+/g, ' ')
                .trim()
                .replace(/ (.)/g, (_, c: string) => c.toUpperCase())
                .replace(/^./, (c) => c.toUpperCase()),
              shortDescription: { text: rule.title },
              fullDescription: { text: rule.description },
              help: { text: rule.remediation, markdown: `**Remediation:** ${rule.remediation}` },
              defaultConfiguration: { level: LEVEL[rule.severity] },
              properties: { tags: rule.tags, pack: rule.pack },
            })),
          },
        },
        originalUriBaseIds: { '%SRCROOT%': { uri: './' } },
        results: report.findings.map((f) => ({
          ruleId: f.rule,
          ruleIndex: index.get(f.rule) ?? -1,
          level: LEVEL[f.severity],
          message: { text: f.message },
          locations: [
            {
              physicalLocation: {
                artifactLocation: { uri: f.path, uriBaseId: '%SRCROOT%' },
                region: { startLine: f.line, startColumn: f.column },
              },
            },
          ],
          partialFingerprints: { 'sdetkitFingerprint/v1': f.fingerprint },
        })),
        columnKind: 'unicodeCodePoints',
      },
    ],
  };
}
