import { renderHistoryCsv } from '@sdetkit/core-runs';
import type { DashboardSummary } from './summarize-history.js';

/** One row per run in the window, oldest first, same columns as `history export`. */
export function renderCsv(summary: DashboardSummary): string {
  return renderHistoryCsv([...summary.records].reverse());
}
