import { ValidationError } from '@sdetkit/policy';

export interface TimeWindow {
  /** Inclusive lower bound, `YYYY-MM-DDTHH:MM:SSZ`, or null for no bound. */
  since: string | null;
  /** Inclusive upper bound, or null. */
  until: string | null;
}

const DATE_ONLY = /^\d{4}-\d{2}-\d{2}$/;

/**
 * Parses a `--since`/`--until` value: an ISO date (`2024-03-01`, the whole
 * day for `until`) or an ISO timestamp with a zone. Errors name the flag:
 * `prefix` plus the bound (`--since`; a query parameter is named with `''`).
 */
export function parseWindowBound(value: string, bound: 'since' | 'until', prefix = '--'): string {
  const flag = `${prefix}${bound}`;
  const text = value.trim();
  let date: Date;
  if (DATE_ONLY.test(text)) {
    date = new Date(`${text}T${bound === 'since' ? '00:00:00' : '23:59:59'}Z`);
    if (Number.isNaN(date.getTime()) || date.toISOString().slice(0, 10) !== text) {
      throw new ValidationError(`${flag}: not a calendar date: ${value}`, flag);
    }
  } else if (/^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(text)) {
    date = new Date(text);
    if (Number.isNaN(date.getTime()))
      throw new ValidationError(`${flag}: not a valid timestamp: ${value}`, flag);
  } else {
    throw new ValidationError(
      `${flag}: expected an ISO date (2024-03-01) or timestamp (2024-03-01T12:00:00Z), got ${JSON.stringify(value)}`,
      flag,
    );
  }
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * Builds a window from optional flag values; `since` after `until` is an
 * error. Errors name `--since` and `--until`, or with `prefix: ''` the query
 * parameters `since` and `until`.
 */
export function parseTimeWindow(
  since?: string,
  until?: string,
  options: { prefix?: string } = {},
): TimeWindow {
  const prefix = options.prefix ?? '--';
  const window: TimeWindow = {
    since: since === undefined ? null : parseWindowBound(since, 'since', prefix),
    until: until === undefined ? null : parseWindowBound(until, 'until', prefix),
  };
  if (window.since && window.until && window.since > window.until) {
    throw new ValidationError(
      `${prefix}since (${window.since}) is after ${prefix}until (${window.until})`,
      `${prefix}since`,
    );
  }
  return window;
}

export function inWindow(capturedAt: string, window: TimeWindow): boolean {
  return (
    (window.since === null || capturedAt >= window.since) &&
    (window.until === null || capturedAt <= window.until)
  );
}
