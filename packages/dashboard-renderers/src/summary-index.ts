import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@sdetkit/core-runs';
import type { ScanEntry } from './scan-chunk.js';

/** Lives inside the history folder; readers of history skip dot files. */
export const SUMMARY_INDEX_FILE = '.sdetkit-summary-index.jsonl';
const HEADER = '{"sdetkit_summary_index":4}';

/**
 * Loads the summary index: a header line, then lines of comma-separated
 * scan entries (a full write is one line; each append adds a line). A missing, corrupt, truncated or
 * foreign index is treated as empty: it is a cache, never a source of truth,
 * and size and mtime decide whether an entry is reused.
 */
export async function loadSummaryIndex(historyDir: string): Promise<ScanEntry[]> {
  const entries: ScanEntry[] = [];
  let text: string;
  try {
    text = await readFile(path.join(historyDir, SUMMARY_INDEX_FILE), 'utf8');
  } catch {
    return entries;
  }
  if (!text.startsWith(`${HEADER}\n`) || !text.endsWith('\n')) return entries;
  const body = text.slice(HEADER.length + 1, -1);
  if (body === '') return entries;
  let list: unknown;
  try {
    // One parse of the whole body is far faster than one per line.
    list = JSON.parse(`[${body.replaceAll('\n', ',')}]`);
  } catch {
    return entries;
  }
  for (const entry of list as ScanEntry[]) {
    if (!Array.isArray(entry) || (entry.length !== 4 && entry.length !== 11) || typeof entry[0] !== 'string')
      return [];
  }
  return list as ScanEntry[];
}

/** One index line: entries as JSON, comma-separated (what `JSON.stringify(list)` holds between its brackets). */
export function indexLine(entries: readonly ScanEntry[]): string {
  return JSON.stringify(entries).slice(1, -1);
}

/**
 * Rewrites the whole index atomically from index lines (see `indexLine`).
 * Entries of unreadable files (size -1) may be included: they never match a
 * later stat, so those files are simply read again.
 */
export async function saveSummaryIndex(historyDir: string, lineTexts: readonly string[]): Promise<void> {
  const body = lineTexts.filter((line) => line !== '').join('\n');
  await writeFileAtomic(path.join(historyDir, SUMMARY_INDEX_FILE), `${HEADER}\n${body}${body ? '\n' : ''}`);
}

/**
 * Appends one line of entries for new files. A crash mid-append leaves a
 * truncated last line, which makes the next load discard the index.
 */
export async function appendSummaryIndex(historyDir: string, entries: readonly ScanEntry[]): Promise<void> {
  if (entries.length > 0)
    await appendFile(path.join(historyDir, SUMMARY_INDEX_FILE), `${indexLine(entries)}\n`);
}
