import { appendFile, readFile } from 'node:fs/promises';
import { endianness } from 'node:os';
import path from 'node:path';
import { writeFileAtomic } from '@sdetkit/core-runs';
import {
  decodeTableHead,
  decodeTableRest,
  type HistoryTable,
  type TableHead,
  typedColumn,
} from './history-table.js';
import type { PartialSummary, SummaryPart } from './summary-partial.js';

/** Lives inside the history folder; readers of history skip dot files. */
export const SUMMARY_INDEX_FILE = '.sdetkit-summary-index.jsonl';

/**
 * Runs and failures each segment lists in its stored summary: as many as
 * the html and md dashboards show, so those can be built from stored
 * summaries alone.
 */
export const INDEX_LIST_LIMIT = 100;

/**
 * Bump the version when the encoded table or the stored summary changes,
 * and when a rule whose result the index stores changes (`taskFamily`,
 * `templateOfTask`): entries of an older index are then rebuilt instead of
 * reused. Number columns are stored in this machine's byte order, so an
 * index written on another is rebuilt too.
 */
const HEADER = `{"sdetkit_summary_index":6,"byte_order":"${endianness()}"}`;

/** A segment of the index: a table of files sorted by name, with its runs summarized. */
export interface IndexSegment {
  /** File names, size, mtime and seconds of every entry. */
  head: TableHead;
  /** The runs summarized (newest `INDEX_LIST_LIMIT` listed), with their order. */
  part: SummaryPart;
  /** Files that could not be summarized, with why, by file name. */
  problems: [file: string, reason: string][];
  /** Every column (parsed on first call); throws when the stored text is corrupt. */
  table(): HistoryTable;
  /** The segment's three lines as stored (no final newline), to write back unchanged. */
  raw: Buffer;
}

/**
 * Checks a stored summary line by hand: a 100,000-entry index has a few
 * thousand listed runs and days across its segments, and a zod schema took
 * ~75 ms to check them against ~3 ms here (measured on 2 cores).
 */
function summaryLineOf(value: unknown): {
  partial: PartialSummary;
  order: string;
  problems: [string, string][];
} {
  const fail = (field: string): never => {
    throw new Error(`summary index: ${field}`);
  };
  const isCount = (x: unknown) => typeof x === 'number' && Number.isInteger(x) && x >= 0;
  const tuples = (x: unknown, field: string, check: (t: unknown[]) => boolean) => {
    if (!Array.isArray(x)) fail(field);
    for (const t of x as unknown[]) if (!Array.isArray(t) || !check(t)) fail(field);
    return x;
  };
  const named = (t: unknown[]) => t.length === 2 && typeof t[0] === 'string' && isCount(t[1]);
  const listed = (t: unknown[]) =>
    t.length === 6 &&
    typeof t[0] === 'string' &&
    typeof t[1] === 'string' &&
    typeof t[2] === 'number' &&
    typeof t[3] === 'boolean' &&
    typeof t[4] === 'string' &&
    isCount(t[5]);
  const line = value as { partial?: Record<string, unknown>; order?: unknown; problems?: unknown } | null;
  const partial = line?.partial;
  if (partial === null || typeof partial !== 'object') return fail('partial');
  for (const key of ['total', 'success', 'approved', 'denied', 'failedAfterApproval', 'streak'])
    if (!isCount(partial[key])) fail(key);
  if (!isCount(partial.limit) || (partial.limit as number) < 1) fail('limit');
  if (typeof partial.canonical !== 'boolean') fail('canonical');
  const families = partial.families;
  if (!Array.isArray(families) || families.length !== 3 || !families.every(isCount)) fail('families');
  for (const key of ['templates', 'actions', 'workers']) tuples(partial[key], key, named);
  tuples(
    partial.days,
    'days',
    (t) => t.length === 3 && typeof t[0] === 'string' && isCount(t[1]) && isCount(t[2]),
  );
  tuples(partial.newest, 'newest', listed);
  tuples(partial.failures, 'failures', listed);
  // The lists hold the newest `limit` runs and failures, or all of them.
  const limit = partial.limit as number;
  const total = partial.total as number;
  if ((partial.newest as unknown[]).length !== Math.min(limit, total)) fail('newest');
  if ((partial.failures as unknown[]).length !== Math.min(limit, total - (partial.success as number)))
    fail('failures');
  if (typeof line?.order !== 'string') fail('order');
  tuples(
    line?.problems,
    'problems',
    (t) => t.length === 2 && typeof t[0] === 'string' && typeof t[1] === 'string',
  );
  return line as unknown as { partial: PartialSummary; order: string; problems: [string, string][] };
}

/**
 * One segment as index text, in pieces (three lines, no final newline): the
 * first line of `tableText` (an `encodeTable` result), the summary, then the
 * rest of the table, which a rebuild parses only when it needs more than
 * the summary. Pieces, so that a large table's text is written as it is
 * rather than copied into one string.
 */
export function encodeIndexSegment(
  tableText: string,
  part: SummaryPart,
  problems: readonly (readonly [string, string])[],
): string[] {
  const cut = tableText.indexOf('\n');
  const order = Buffer.from(part.order.buffer, part.order.byteOffset, part.order.byteLength);
  const summary = JSON.stringify({ partial: part.partial, order: order.toString('base64'), problems });
  return [tableText.slice(0, cut + 1), summary, '\n', tableText.slice(cut + 1)];
}

/**
 * Loads the summary index: a header line, then three lines per segment
 * (see `encodeIndexSegment`), each segment sorted by file name (a full
 * write is one segment, or one per reader batch; each append adds one).
 * `null` when there is none (or it cannot be read); a corrupt, truncated or
 * foreign index is treated as empty. It is a cache, never a source of truth:
 * size and mtime decide whether an entry is reused.
 */
export async function loadSummaryIndex(historyDir: string): Promise<IndexSegment[] | null> {
  let bytes: Buffer;
  try {
    bytes = await readFile(path.join(historyDir, SUMMARY_INDEX_FILE));
  } catch {
    return null;
  }
  return parseSummaryIndex(bytes);
}

/** `loadSummaryIndex` on the bytes of an index file. */
export function parseSummaryIndex(bytes: Buffer): IndexSegment[] {
  const lines: [start: number, end: number][] = [];
  for (let at = 0; at < bytes.length; ) {
    const end = bytes.indexOf(10, at);
    // A crash mid-append leaves a last line without its newline.
    if (end < 0) return [];
    lines.push([at, end]);
    at = end + 1;
  }
  const text = (line: [number, number]) => bytes.toString('utf8', line[0], line[1]);
  if (lines.length === 0 || text(lines[0] as [number, number]) !== HEADER || (lines.length - 1) % 3 !== 0)
    return [];
  const segments: IndexSegment[] = [];
  try {
    for (let k = 1; k < lines.length; k += 3) {
      const head = decodeTableHead(text(lines[k] as [number, number]));
      const summary = summaryLineOf(JSON.parse(text(lines[k + 1] as [number, number])));
      const order = typedColumn(summary.order, 'order', Uint32Array, summary.partial.total);
      for (const i of order) if (i >= head.files.length) throw new Error('summary index: order');
      const rest = lines[k + 2] as [number, number];
      let table: HistoryTable | undefined;
      segments.push({
        head,
        part: { partial: summary.partial, order, seconds: head.seconds, files: head.files },
        problems: summary.problems,
        table: () => {
          table ??= decodeTableRest(head, text(rest));
          return table;
        },
        raw: bytes.subarray((lines[k] as [number, number])[0], rest[1]),
      });
    }
  } catch {
    return [];
  }
  return segments;
}

/**
 * Rewrites the whole index atomically from segments (`encodeIndexSegment`),
 * piece by piece: 100,000 entries are ~25 MB, not worth holding twice. No
 * fsync: the index is a cache, and one torn by a power loss reads as empty.
 */
export async function saveSummaryIndex(
  historyDir: string,
  segments: readonly (readonly (string | Buffer)[])[],
): Promise<void> {
  await writeFileAtomic(
    path.join(historyDir, SUMMARY_INDEX_FILE),
    [`${HEADER}\n`, ...segments.flatMap((segment) => [...segment, '\n'])],
    { durable: false },
  );
}

/**
 * Appends segments of new files. A crash mid-append leaves a truncated last
 * line, which makes the next load discard the index.
 */
export async function appendSummaryIndex(historyDir: string, segments: readonly string[][]): Promise<void> {
  await appendFile(
    path.join(historyDir, SUMMARY_INDEX_FILE),
    segments.map((segment) => `${segment.join('')}\n`).join(''),
  );
}
