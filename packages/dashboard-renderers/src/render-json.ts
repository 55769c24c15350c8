import { canonicalJson } from '@sdetkit/core-runs';
import type { DashboardSummary } from './summarize-history.js';

/** The summary as canonical JSON (sorted keys, no white space) plus a newline. */
export function renderJson(summary: DashboardSummary): string {
  return `${canonicalJson(summary)}\n`;
}
