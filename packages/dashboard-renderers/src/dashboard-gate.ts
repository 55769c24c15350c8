import { ValidationError } from '@sdetkit/policy';
import { formatRate } from './render-markdown.js';
import type { DashboardSummary } from './summarize-history.js';

export interface GateThresholds {
  /** 0..1. */
  min_success_rate: number;
  max_failures: number | null;
  allow_empty: boolean;
}

export interface GateResult {
  ok: boolean;
  /** One line: why the gate failed, or what passed. */
  reason: string;
  thresholds: GateThresholds;
  runs: DashboardSummary['runs'];
  window: DashboardSummary['window'];
  skipped: number;
}

/** `0.95`, `95%` or `95` (a percentage when above 1). Errors name the flag. */
export function parseSuccessRate(value: string): number {
  const text = value.trim();
  const match = /^(\d+(?:\.\d+)?)(%?)$/.exec(text);
  if (!match)
    throw new ValidationError(
      `--min-success-rate: expected 0..1 or a percentage like 95%, got ${JSON.stringify(value)}`,
    );
  const number = Number(match[1]);
  const rate = match[2] === '%' || number > 1 ? number / 100 : number;
  if (rate < 0 || rate > 1)
    throw new ValidationError(`--min-success-rate: must be between 0 and 100%, got ${value}`);
  return rate;
}

/** Decides a quality gate on a summary. */
export function evaluateGate(summary: DashboardSummary, thresholds: GateThresholds): GateResult {
  const { runs } = summary;
  const reasons: string[] = [];
  if (runs.total === 0) {
    if (!thresholds.allow_empty) reasons.push('no runs in the window (use --allow-empty to pass)');
  } else {
    if ((runs.success_rate ?? 0) < thresholds.min_success_rate) {
      reasons.push(
        `success rate ${formatRate(runs.success_rate)} is below ${formatRate(thresholds.min_success_rate)}`,
      );
    }
    if (thresholds.max_failures !== null && runs.failed > thresholds.max_failures) {
      reasons.push(`${runs.failed} failed runs exceed the maximum of ${thresholds.max_failures}`);
    }
  }
  const ok = reasons.length === 0;
  return {
    ok,
    reason: ok
      ? `gate passed: ${runs.total} runs, success rate ${formatRate(runs.success_rate)}, ${runs.failed} failed`
      : `gate failed: ${reasons.join('; ')}`,
    thresholds,
    runs,
    window: summary.window,
    skipped: summary.skipped.count,
  };
}
