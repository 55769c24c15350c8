import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@sdetkit/core-runs';
import { decodeTable, type HistoryTable } from './history-table.js';

/** Lives inside the history folder; readers of history skip dot files. */
export const SUMMARY_INDEX_FILE = '.sdetkit-summary-index.jsonl';
/**
 * Bump the version when the encoded table changes, and when a rule whose
 * result the index stores changes (`taskFamily`, `templateOfTask`): entries
 * of an older index are then rebuilt instead of reused.
 */
const HEADER = '{"sdetkit_summary_index":5}';

/**
 * Loads the summary index: a header line, then one line per segment, each a
 * table of scanned files as `encodeTable` writes it, sorted by file name (a
 * full write is one segment, or one per reader batch; each append adds one).
 * `null` when there is none (or it cannot be read); a corrupt, truncated or
 * foreign index is treated as empty. It is a cache, never a source of truth:
 * size and mtime decide whether an entry is reused.
 */
export async function loadSummaryIndex(historyDir: string): Promise<HistoryTable[] | null> {
  let text: string;
  try {
    text = await readFile(path.join(historyDir, SUMMARY_INDEX_FILE), 'utf8');
  } catch {
    return null;
  }
  if (!text.startsWith(`${HEADER}\n`) || !text.endsWith('\n')) return [];
  const body = text.slice(HEADER.length + 1, -1);
  if (body === '') return [];
  try {
    return body.split('\n').map(decodeTable);
  } catch {
    return [];
  }
}

/**
 * Rewrites the whole index atomically from encoded tables (`encodeTable`),
 * segment by segment: 100,000 entries are ~20 MB, not worth holding twice.
 */
export async function saveSummaryIndex(historyDir: string, segments: readonly string[]): Promise<void> {
  await writeFileAtomic(path.join(historyDir, SUMMARY_INDEX_FILE), [
    `${HEADER}\n`,
    ...segments.flatMap((segment) => [segment, '\n']),
  ]);
}

/**
 * Appends encoded tables of new files, one line each. A crash mid-append
 * leaves a truncated last line, which makes the next load discard the index.
 */
export async function appendSummaryIndex(historyDir: string, segments: readonly string[]): Promise<void> {
  await appendFile(
    path.join(historyDir, SUMMARY_INDEX_FILE),
    segments.map((segment) => `${segment}\n`).join(''),
  );
}
