import { readFile, stat } from 'node:fs/promises';
import { writeFileAtomic } from '@sdetkit/core-runs';

export const REDACTED = '***';
/** Shorter values are too likely to occur by chance to be scrubbed safely. */
const MIN_SECRET_LENGTH = 4;

/** Replaces every occurrence of any secret value in strings, recursively. */
export function redactValue<T>(value: T, secrets: readonly string[]): T {
  const live = secrets.filter((s) => s.length >= MIN_SECRET_LENGTH);
  if (live.length === 0) return value;
  const walk = (v: unknown): unknown => {
    if (typeof v === 'string') return live.reduce((text, secret) => text.split(secret).join(REDACTED), v);
    if (Array.isArray(v)) return v.map(walk);
    if (v !== null && typeof v === 'object')
      return Object.fromEntries(Object.entries(v).map(([k, item]) => [k, walk(item)]));
    return v;
  };
  return walk(value) as T;
}

/** True when any secret occurs in the value. */
export function containsSecret(value: unknown, secrets: readonly string[]): boolean {
  const text = typeof value === 'string' ? value : JSON.stringify(value ?? null);
  return secrets.some((s) => s.length >= MIN_SECRET_LENGTH && text.includes(s));
}

const MAX_SCRUB_BYTES = 32 * 1024 * 1024;

/**
 * Rewrites a file the template wrote with secrets replaced, atomically.
 * Returns true when something was redacted.
 */
export async function redactFile(absolute: string, secrets: readonly string[]): Promise<boolean> {
  const live = secrets.filter((s) => s.length >= MIN_SECRET_LENGTH);
  if (live.length === 0) return false;
  const info = await stat(absolute).catch(() => undefined);
  if (!info?.isFile() || info.size > MAX_SCRUB_BYTES) return false;
  const bytes = await readFile(absolute);
  if (!live.some((s) => bytes.includes(Buffer.from(s)))) return false;
  const text = redactValue(
    bytes.toString('latin1'),
    live.map((s) => Buffer.from(s).toString('latin1')),
  );
  await writeFileAtomic(absolute, Buffer.from(text, 'latin1'));
  return true;
}
