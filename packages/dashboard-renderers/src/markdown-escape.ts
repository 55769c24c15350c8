/**
 * Untrusted text (task strings) as a GitHub-flavoured markdown code span,
 * safe inside a table cell: nothing in it becomes a link, HTML, emphasis or a
 * new cell. The fence is one backtick longer than any run inside the text.
 */
export function markdownCode(text: string): string {
  const flat = text.replace(/[\r\n\t]+/g, ' ').replaceAll('|', '\\|');
  if (flat === '') return '';
  const longestRun = Math.max(0, ...(flat.match(/`+/g) ?? []).map((run) => run.length));
  const fence = '`'.repeat(longestRun + 1);
  const pad = flat.startsWith('`') || flat.endsWith('`') ? ' ' : '';
  return `${fence}${pad}${flat}${pad}${fence}`;
}
