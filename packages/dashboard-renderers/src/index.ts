export {
  type BuildDashboardOptions,
  buildDashboard,
  DASHBOARD_FORMATS,
  type DashboardBuildResult,
  type DashboardFormat,
  DEFAULT_DASHBOARD_FORMAT,
  DEFAULT_SUMMARY_OUTPUT,
  defaultDashboardOutput,
  loadDashboardSummary,
  renderDashboard,
  type WorkspaceFile,
} from './dashboard-build.js';
export { evaluateGate, type GateResult, type GateThresholds, parseSuccessRate } from './dashboard-gate.js';
export {
  type HistoryScan,
  type HistoryScanProblem,
  type HistorySummaryOptions,
  type HistoryTableScan,
  problemsOf,
  type ScanOptions,
  scanHistory,
  scanHistoryTable,
  summarizeHistoryFolder,
} from './history-scan.js';
export {
  concatTables,
  createTableBuilder,
  decodeTable,
  decodeTableHead,
  decodeTableRest,
  encodeTable,
  type HistoryTable,
  KIND_ERROR,
  KIND_OK,
  KIND_PROBLEM,
  type NameLists,
  pickEntries,
  positionsIn,
  selectEntries,
  sortedByFile,
  type TableBuilder,
  type TableHead,
  tableFromRows,
} from './history-table.js';
export { markdownCode } from './markdown-escape.js';
export { renderCsv } from './render-csv.js';
export { HTML_LIST_LIMIT, renderHtml } from './render-html.js';
export { renderJson } from './render-json.js';
export { formatRate, MARKDOWN_LIST_LIMIT, renderMarkdown } from './render-markdown.js';
export { reportBuildAction } from './report-build-action.js';
export { reportGateAction } from './report-gate-action.js';
export {
  type HistoryProblemRow,
  type HistoryRow,
  isProblemRow,
  rowHash,
  type ScanEntry,
} from './scan-chunk.js';
export {
  type DashboardSummary,
  type DaySeries,
  type NameCount,
  type RecordLine,
  SUMMARY_SCHEMA_VERSION,
  type SummaryOptions,
  summarizeHistory,
  summarizeTable,
  taskFamily,
  templateOfTask,
} from './summarize-history.js';
export { SUMMARY_INDEX_FILE } from './summary-index.js';
export { escapeXml, runsPerDayChart, successRateChart, topBarsChart } from './svg-charts.js';
export { inWindow, parseTimeWindow, parseWindowBound, type TimeWindow } from './time-window.js';
