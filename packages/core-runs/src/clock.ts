import { ValidationError } from '@sdetkit/policy';

/** A run's clock. Tests and replays pin it; `SOURCE_DATE_EPOCH` pins it for builds. */
export type Clock = () => Date;

/** `YYYY-MM-DDTHH:MM:SSZ` in UTC, the only timestamp form in records. */
export function formatCapturedAt(date: Date): string {
  return `${date.toISOString().slice(0, 19)}Z`;
}

/**
 * The clock for this process: fixed at `SOURCE_DATE_EPOCH` (seconds since the
 * epoch) when it is set, the system clock otherwise.
 */
export function clockFromEnv(env: Record<string, string | undefined> = process.env): Clock {
  const raw = env.SOURCE_DATE_EPOCH;
  if (raw === undefined || raw === '') return () => new Date();
  if (!/^\d{1,12}$/.test(raw)) {
    throw new ValidationError(
      `SOURCE_DATE_EPOCH: expected whole seconds since 1970, got ${JSON.stringify(raw)}`,
    );
  }
  const fixed = new Date(Number(raw) * 1000);
  return () => fixed;
}
