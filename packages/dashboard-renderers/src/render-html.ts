import { Eta } from 'eta';
import { formatRate } from './render-markdown.js';
import type { DashboardSummary } from './summarize-history.js';
import { runsPerDayChart, successRateChart, topBarsChart } from './svg-charts.js';

/** How many failed and recent runs the page lists; the JSON and CSV have all. */
export const HTML_LIST_LIMIT = 100;

// `<%= %>` escapes (autoEscape); `<%~ %>` is used only for SVG built by svg-charts.ts,
// which escapes every text it takes from a record.
const TEMPLATE = `<!doctype html>
<html lang="en">
<head>
<meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<title>sdetkit agent dashboard</title>
<style>
:root { color-scheme: light dark; --bg: #ffffff; --fg: #1f2328; --muted: #59636e; --card: #f6f8fa; --border: #d1d9e0; --ok: #1a7f37; --fail: #cf222e; --grid: #d1d9e0; }
@media (prefers-color-scheme: dark) { :root { --bg: #0d1117; --fg: #e6edf3; --muted: #9198a1; --card: #151b23; --border: #3d444d; --ok: #3fb950; --fail: #f85149; --grid: #3d444d; } }
* { box-sizing: border-box; }
body { margin: 0 auto; max-width: 1040px; padding: 24px; background: var(--bg); color: var(--fg); font: 14px/1.5 system-ui, -apple-system, "Segoe UI", sans-serif; }
h1 { font-size: 24px; margin: 0 0 4px; } h2 { font-size: 18px; margin: 28px 0 8px; border-bottom: 1px solid var(--border); padding-bottom: 4px; }
.muted { color: var(--muted); }
.cards { display: grid; grid-template-columns: repeat(auto-fit, minmax(150px, 1fr)); gap: 12px; margin: 16px 0; }
.card { background: var(--card); border: 1px solid var(--border); border-radius: 8px; padding: 12px; }
.card .value { font-size: 26px; font-weight: 600; } .card .name { color: var(--muted); }
.status-ok { color: var(--ok); } .status-error { color: var(--fail); }
table { border-collapse: collapse; width: 100%; } th, td { text-align: left; padding: 6px 8px; border-bottom: 1px solid var(--border); vertical-align: top; }
td.num, th.num { text-align: right; } td.when { white-space: nowrap; } code { font: 12px ui-monospace, SFMono-Regular, Menlo, monospace; word-break: break-all; }
.charts { display: grid; gap: 16px; } .chart { width: 100%; height: auto; max-width: 640px; }
.chart .line { stroke: var(--ok); stroke-width: 2; } .chart .point { fill: var(--ok); } .chart .grid { stroke: var(--grid); stroke-width: 1; }
.chart .bar-ok { fill: var(--ok); } .chart .bar-fail { fill: var(--fail); } .chart .axis, .chart .label { fill: var(--muted); font-size: 11px; }
@media print { body { max-width: none; padding: 0; background: #fff; color: #000; } .card { border-color: #999; } h2 { break-after: avoid; } table, svg { break-inside: avoid; } }
</style>
</head>
<body>
<header>
<h1>sdetkit agent dashboard</h1>
<p class="muted"><%= it.windowText %><% if (it.summary.generated_at) { %> · generated at <%= it.summary.generated_at %><% } %></p>
</header>
<% if (it.summary.runs.total === 0) { %>
<p data-testid="empty">No runs recorded in this period.</p>
<% } else { %>
<section class="cards" aria-label="Summary">
<div class="card"><div class="name">Runs</div><div class="value" data-testid="total-runs"><%= it.summary.runs.total %></div></div>
<div class="card"><div class="name">Success rate</div><div class="value" data-testid="success-rate"><%= it.rate %></div></div>
<div class="card"><div class="name">Failed</div><div class="value status-error" data-testid="failed-runs"><%= it.summary.runs.failed %></div></div>
<div class="card"><div class="name">Latest</div><div class="value status-<%= it.summary.runs.latest_status %>" data-testid="latest-status"><%= it.summary.runs.latest_status %></div></div>
<div class="card"><div class="name">Success streak</div><div class="value" data-testid="success-streak"><%= it.summary.runs.success_streak %></div></div>
</section>
<h2>Trends</h2>
<div class="charts">
<%~ it.charts.successRate %>
<%~ it.charts.runsPerDay %>
<% if (it.summary.top_actions.length > 0) { %><%~ it.charts.topActions %><% } %>
</div>
<h2>Top actions and templates</h2>
<table><thead><tr><th>action</th><th class="num">runs</th></tr></thead><tbody>
<% for (const item of it.summary.top_actions) { %><tr><td><code><%= item.name %></code></td><td class="num"><%= item.count %></td></tr><% } %>
</tbody></table>
<% if (it.summary.top_templates.length > 0) { %>
<table><thead><tr><th>template</th><th class="num">runs</th></tr></thead><tbody>
<% for (const item of it.summary.top_templates) { %><tr><td><code><%= item.name %></code></td><td class="num"><%= item.count %></td></tr><% } %>
</tbody></table>
<% } %>
<p>Approvals: <%= it.summary.approvals.approved %> approved, <%= it.summary.approvals.denied %> denied, <%= it.summary.approvals.failed_after_approval %> failed after approval. Workers: <% it.summary.workers.forEach((w, i) => { %><%= i ? ', ' : '' %><%= w.name %> (<%= w.count %>)<% }) %>.</p>
<h2>Failed runs</h2>
<% if (it.summary.runs.failed === 0) { %><p>None.</p><% } else { %>
<table data-testid="failures"><thead><tr><th>captured at</th><th>hash</th><th>task</th></tr></thead><tbody>
<% for (const f of it.failures) { %><tr><td class="when"><%= f.captured_at %></td><td><code data-testid="failure-hash"><%= f.hash %></code></td><td><code><%= f.task %></code></td></tr><% } %>
</tbody></table>
<% if (it.summary.runs.failed > it.failures.length) { %><p class="muted">… and <%= it.summary.runs.failed - it.failures.length %> more failed runs (see the JSON or CSV export).</p><% } %>
<% } %>
<h2>Recent runs</h2>
<table><thead><tr><th>captured at</th><th>status</th><th>hash</th><th>task</th><th class="num">actions</th></tr></thead><tbody>
<% for (const r of it.recent) { %><tr><td class="when"><%= r.captured_at %></td><td class="status-<%= r.status %>"><%= r.status %></td><td><code><%= r.hash.slice(0, 12) %></code></td><td><code><%= r.task %></code></td><td class="num"><%= r.action_count %></td></tr><% } %>
</tbody></table>
<% } %>
<% if (it.summary.skipped.count > 0) { %><p class="muted" data-testid="skipped"><%= it.summary.skipped.count %> history file(s) could not be used and were skipped.</p><% } %>
</body>
</html>
`;

const eta = new Eta({ autoEscape: true, autoTrim: [false, 'nl'], cache: true });
eta.loadTemplate('@dashboard', TEMPLATE);

function windowText(summary: DashboardSummary): string {
  const { since, until } = summary.window;
  if (!since && !until) return 'All recorded runs';
  return `Runs from ${since ?? 'the beginning'} to ${until ?? 'now'}`;
}

/**
 * One self-contained HTML page: inline CSS (light, dark and print) and inline
 * SVG charts; no script, no network (a CSP forbids both).
 */
export function renderHtml(summary: DashboardSummary): string {
  return eta.render('@dashboard', {
    summary,
    rate: formatRate(summary.runs.success_rate),
    windowText: windowText(summary),
    failures: summary.failures.slice(0, HTML_LIST_LIMIT),
    recent: summary.records.slice(0, HTML_LIST_LIMIT),
    charts: {
      successRate: successRateChart(summary.series),
      runsPerDay: runsPerDayChart(summary.series),
      topActions: topBarsChart('Top actions', summary.top_actions),
    },
  });
}
