import { appendFile, readFile } from 'node:fs/promises';
import path from 'node:path';
import { writeFileAtomic } from '@sdetkit/core-runs';
import type { ScanEntry } from './scan-chunk.js';

/** Lives inside the history folder; readers of history skip dot files. */
export const SUMMARY_INDEX_FILE = '.sdetkit-summary-index.jsonl';
const HEADER = '{"sdetkit_summary_index":3}';

/**
 * Loads the summary index (JSON Lines: a header, then one scan entry per
 * line), in file order. A missing, corrupt, truncated or
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

function lines(entries: Iterable<ScanEntry>): string {
  let text = '';
  // Unreadable files (size -1) are not cached: they are retried next time.
  for (const entry of entries) if (entry[1] !== -1) text += `${JSON.stringify(entry)}\n`;
  return text;
}

/** Rewrites the whole index atomically. */
export async function saveSummaryIndex(historyDir: string, entries: Iterable<ScanEntry>): Promise<void> {
  await writeFileAtomic(path.join(historyDir, SUMMARY_INDEX_FILE), `${HEADER}\n${lines(entries)}`);
}

/**
 * Appends entries for new files. A crash mid-append leaves a truncated last
 * line, which makes the next load discard the index and rebuild it.
 */
export async function appendSummaryIndex(historyDir: string, entries: Iterable<ScanEntry>): Promise<void> {
  const text = lines(entries);
  if (text !== '') await appendFile(path.join(historyDir, SUMMARY_INDEX_FILE), text);
}
