import { readdir, readFile, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { ValidationError } from '@sdetkit/policy';
import { formatCapturedAt } from './clock.js';
import type { HistoryStore } from './history-store.js';
import type { Ledger } from './ledger.js';

const UNITS: Record<string, number> = { m: 60, h: 3600, d: 86_400, w: 604_800 };

/** `30d`, `12h`, `2w`, `90m` in seconds; the error names the flag. */
export function parseDuration(value: string, flag = '--max-age'): number {
  const match = /^(\d+)([mhdw])$/.exec(value.trim());
  if (!match)
    throw new ValidationError(
      `${flag}: expected a duration: a whole number and m, h, d or w (minutes, hours, days, weeks), like 90m, 12h or 30d; got ${JSON.stringify(value)}`,
      flag,
    );
  const seconds = Number(match[1]) * UNITS[match[2]!]!;
  // Zero would prune everything, expire a token at once or run a schedule without pause.
  if (seconds === 0)
    throw new ValidationError(`${flag}: must be longer than 0, got ${JSON.stringify(value)}`, flag);
  return seconds;
}

export interface RetentionPolicy {
  /** Remove what is older than this many seconds. */
  maxAgeSeconds?: number;
  /** Always keep the newest N run records. */
  keepLast?: number;
}

export interface RetentionResult {
  dry_run: boolean;
  cutoff: string | null;
  removed: { history: string[]; template_runs: string[]; conversations: string[] };
  kept: { history: number };
}

export interface RetentionTargets {
  history: HistoryStore;
  /** A `Ledger`, or anything that appends to one in order (the server's `LedgerBatcher`). */
  ledger: Pick<Ledger, 'append'>;
  /** Absolute folders and how to show them. */
  templateRunsDir: { absolute: string; relative: string };
  conversationsDir: { absolute: string; relative: string };
}

/**
 * Prunes run records (keeping the newest `keepLast`), template run folders
 * and conversation logs older than `maxAgeSeconds`. A pruned run leaves a
 * tombstone in the ledger (appended before the file is removed), so the chain
 * and the run count stay verifiable.
 */
export async function applyRetention(
  policy: RetentionPolicy,
  targets: RetentionTargets,
  options: { now: Date; dryRun: boolean },
): Promise<RetentionResult> {
  if (policy.maxAgeSeconds === undefined && policy.keepLast === undefined) {
    throw new ValidationError('retention: give --max-age, --keep-last or both');
  }
  const cutoff =
    policy.maxAgeSeconds === undefined
      ? null
      : formatCapturedAt(new Date(options.now.getTime() - policy.maxAgeSeconds * 1000));
  const { records } = await targets.history.list();
  const keepLast = policy.keepLast ?? 0;
  const doomed = records.filter(
    (record, i) =>
      i >= keepLast && (cutoff === null ? policy.keepLast !== undefined : record.captured_at < cutoff),
  );
  const removed: RetentionResult['removed'] = { history: [], template_runs: [], conversations: [] };
  for (const record of doomed) {
    removed.history.push(record.hash);
    if (options.dryRun) continue;
    await targets.ledger.append({ kind: 'tombstone', hash: record.hash, captured_at: record.captured_at });
    await targets.history.remove(record.hash);
  }
  if (cutoff !== null) {
    for (const name of (await readdir(targets.templateRunsDir.absolute).catch(() => [] as string[])).sort()) {
      const dir = path.join(targets.templateRunsDir.absolute, name);
      const capturedAt = await readFile(path.join(dir, 'run-record.json'), 'utf8')
        .then((text) => String((JSON.parse(text) as { captured_at?: unknown }).captured_at ?? ''))
        .catch(() => '');
      if (capturedAt === '' || capturedAt >= cutoff) continue;
      removed.template_runs.push(`${targets.templateRunsDir.relative}/${name}`);
      if (!options.dryRun) await rm(dir, { recursive: true, force: true });
    }
    const cutoffMs = Date.parse(cutoff);
    const walk = async (dir: string, rel: string) => {
      for (const entry of (await readdir(dir, { withFileTypes: true }).catch(() => [])).sort((a, b) =>
        a.name < b.name ? -1 : 1,
      )) {
        const absolute = path.join(dir, entry.name);
        if (entry.isDirectory()) await walk(absolute, `${rel}/${entry.name}`);
        else if (
          entry.isFile() &&
          entry.name.endsWith('.jsonl') &&
          (await stat(absolute)).mtimeMs < cutoffMs
        ) {
          removed.conversations.push(`${rel}/${entry.name}`);
          if (!options.dryRun) await rm(absolute, { force: true });
        }
      }
    };
    await walk(targets.conversationsDir.absolute, targets.conversationsDir.relative);
  }
  return {
    dry_run: options.dryRun,
    cutoff,
    removed,
    kept: { history: records.length - removed.history.length },
  };
}
