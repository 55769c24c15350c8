import { markdownCode } from './markdown-escape.js';
import type { DashboardSummary } from './summarize-history.js';

/** How many failures and recent runs the markdown lists (it must fit a PR comment). */
export const MARKDOWN_LIST_LIMIT = 20;

export function formatRate(value: number | null): string {
  return value === null ? 'n/a' : `${(value * 100).toFixed(1)}%`;
}

function windowLine(summary: DashboardSummary): string {
  const { since, until } = summary.window;
  if (!since && !until) return 'All recorded runs.';
  return `Runs from ${since ?? 'the beginning'} to ${until ?? 'now'}.`;
}

/** GitHub-flavoured markdown summary that fits a pull-request comment. */
export function renderMarkdown(summary: DashboardSummary): string {
  const { runs } = summary;
  const lines: string[] = ['# sdetkit agent dashboard', '', windowLine(summary)];
  if (summary.generated_at) lines.push('', `Generated at ${summary.generated_at}.`);
  lines.push('');
  if (runs.total === 0) {
    lines.push('No runs recorded in this period.');
  } else {
    lines.push(
      '| runs | success | failed | success rate | latest | success streak |',
      '| ---: | ---: | ---: | ---: | --- | ---: |',
      `| ${runs.total} | ${runs.success} | ${runs.failed} | ${formatRate(runs.success_rate)} | ${runs.latest_status} | ${runs.success_streak} |`,
    );
    lines.push(
      '',
      `Approvals: ${summary.approvals.approved} approved, ${summary.approvals.denied} denied, ${summary.approvals.failed_after_approval} failed after approval.`,
    );
    for (const [title, list] of [
      ['Top actions', summary.top_actions],
      ['Top templates', summary.top_templates],
      ['Task families', summary.task_families],
    ] as const) {
      if (list.length === 0) continue;
      lines.push('', `## ${title}`, '', '| name | runs |', '| --- | ---: |');
      for (const item of list) lines.push(`| ${markdownCode(item.name)} | ${item.count} |`);
    }
    lines.push('', '## Failed runs', '');
    if (summary.runs.failed === 0) {
      lines.push('None.');
    } else {
      lines.push('| captured at | hash | task |', '| --- | --- | --- |');
      for (const failure of summary.failures.slice(0, MARKDOWN_LIST_LIMIT)) {
        lines.push(
          `| ${failure.captured_at} | \`${failure.hash.slice(0, 12)}\` | ${markdownCode(failure.task)} |`,
        );
      }
      if (summary.runs.failed > MARKDOWN_LIST_LIMIT) {
        lines.push(
          '',
          `… and ${summary.runs.failed - MARKDOWN_LIST_LIMIT} more failed runs (see the JSON or CSV export).`,
        );
      }
    }
  }
  if (summary.skipped.count > 0) {
    lines.push('', `> ${summary.skipped.count} history file(s) could not be used and were skipped.`);
  }
  return `${lines.join('\n')}\n`;
}
