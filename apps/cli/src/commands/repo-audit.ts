import { canonicalJson, writeFileAtomic } from '@sdetkit/core-runs';
import { ValidationError } from '@sdetkit/policy';
import {
  type AuditProfile,
  BASELINE_FILE,
  failsAt,
  renderAuditMarkdown,
  renderSarif,
  runAudit,
  type Severity,
  writeBaseline,
} from '@sdetkit/repo-audit';
import type { CommandResult } from '../command-result.js';
import { resolveFlagPath } from '../workspace-paths.js';

export interface RepoAuditOptions {
  profile?: AuditProfile;
  changedOnly?: boolean;
  base?: string;
  format: 'json' | 'sarif' | 'md';
  output?: string;
  failOn: Severity | 'none';
  baseline?: boolean;
  updateBaseline?: boolean;
}

/**
 * `sdetkit repo audit`: without --output prints the report (JSON, SARIF or
 * markdown as text) on stdout; with --output writes it atomically and prints
 * a JSON summary. Exit 1 when findings at or above --fail-on remain.
 */
export async function repoAuditCommand(opts: RepoAuditOptions): Promise<CommandResult> {
  if (opts.base !== undefined && !opts.changedOnly)
    throw new ValidationError('--base: only with --changed-only');
  const root = process.cwd();
  const report = await runAudit({
    root,
    ...(opts.profile ? { profile: opts.profile } : {}),
    changedOnly: opts.changedOnly === true,
    ...(opts.base ? { base: opts.base } : {}),
    useBaseline: opts.baseline === true,
  });
  if (opts.updateBaseline) await writeBaseline(root, report.findings);
  const text =
    opts.format === 'sarif'
      ? `${JSON.stringify(renderSarif(report), null, 2)}\n`
      : opts.format === 'md'
        ? renderAuditMarkdown(report)
        : `${JSON.stringify(JSON.parse(canonicalJson(report)), null, 2)}\n`;
  const failed = opts.failOn !== 'none' && failsAt(report, opts.failOn);
  const exitCode = failed ? 1 : 0;
  const notes = failed
    ? [
        `audit failed: ${report.summary.findings} finding(s), at or above ${opts.failOn}: ${report.summary.by_severity.error} error, ${report.summary.by_severity.warn} warn`,
      ]
    : [];
  if (!opts.output) return { output: undefined, raw: text, exitCode, notes };
  const output = await resolveFlagPath('--output', opts.output);
  await writeFileAtomic(output.absolute, text);
  return {
    output: {
      status: failed ? 'failed' : 'ok',
      output: output.relative,
      format: opts.format,
      profile: report.profile,
      summary: report.summary,
      baseline: opts.updateBaseline ? BASELINE_FILE : null,
    },
    exitCode,
    notes,
  };
}
