import { statSync } from 'node:fs';
import { readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { NotFoundError, ValidationError } from '@sdetkit/policy';
import { canonicalSeconds } from './canonical-time.js';
import {
  concatTables,
  createTableBuilder,
  decodeTable,
  encodeTable,
  entryAsRow,
  type HistoryTable,
  KIND_PROBLEM,
  positionsIn,
  selectEntries,
  sortedByFile,
} from './history-table.js';
import { newestFirstOrder } from './newest-first.js';
import { type HistoryRow, scanChunk, statChunk } from './scan-chunk.js';
import {
  type DashboardSummary,
  finishSummary,
  summarizeTable,
  TASK_CLASSIFIER,
  taskFamily,
  templateOfTask,
} from './summarize-history.js';
import {
  appendSummaryIndex,
  encodeIndexSegment,
  INDEX_LIST_LIMIT,
  type IndexSegment,
  loadSummaryIndex,
  saveSummaryIndex,
} from './summary-index.js';
import {
  canMergeParts,
  mergePartialSummaries,
  partialSummaryOf,
  type SummaryPart,
} from './summary-partial.js';
import type { TimeWindow } from './time-window.js';

export interface HistoryScanProblem {
  file: string;
  reason: string;
}

export interface HistoryScan {
  /** Newest first (`captured_at` descending, then hash). */
  rows: HistoryRow[];
  /** Files skipped, with why (corrupt, not a record, older schema, unreadable). */
  problems: HistoryScanProblem[];
  /** Files whose summary came from the index vs. were read, and threads used. */
  stats: { files: number; reused: number; read: number; workers: number };
}

export interface ScanOptions {
  /** Workspace-relative folder for messages. */
  displayDir: string;
  /** Use and refresh the summary index (default true). */
  useIndex?: boolean;
  /**
   * Reader threads for large folders, besides this one (which reads too); default: one per
   * core but this one's, at least 1, at most 3. 0 keeps all work on this thread.
   */
  workers?: number;
  /** Folders with fewer files are read on this thread alone (default 20,000). */
  workerThreshold?: number;
}

/**
 * Below this many files reader threads cost more than they save (measured on
 * 2 cores, first scan in a process: 10,000 records in 0.21 s on this thread
 * alone, 0.24-0.28 s with a reader thread).
 */
export const WORKER_THRESHOLD = 20_000;

type ChunkMessage = string | Float64Array | null;

/**
 * A reader thread keeps little between files, so a small young generation
 * costs it nothing and keeps the process's peak memory down (100,000 records
 * cold: ~218 MiB instead of ~235 MiB, same time, measured on 2 cores).
 */
const READER_YOUNG_GENERATION_MB = 8;

/**
 * Bytes a folder's own size grows by per entry, roughly: ext4 and xfs store
 * a 69-character name in ~80, btrfs in ~140, tmpfs counts 20 (threads then
 * start only once the listing is in). A folder does not shrink when files
 * go, so a once-large one starts threads it may not use.
 */
const DIRECTORY_BYTES_PER_ENTRY = 64;

function folderBytes(dir: string): number {
  try {
    return statSync(dir).size;
  } catch {
    return 0;
  }
}

/** Rewrite the index instead of appending once it has this many segments. */
const MAX_INDEX_SEGMENTS = 32;

export interface HistoryTableScan {
  /** Every file of the folder: runs and problems, in no particular order. */
  table: HistoryTable;
  stats: HistoryScan['stats'];
}

/**
 * Reads every record file in a history folder into rows (newest first) and
 * problems. See `scanHistoryTable`.
 */
export async function scanHistory(historyDir: string, options: ScanOptions): Promise<HistoryScan> {
  const { table, stats } = await scanHistoryTable(historyDir, options);
  const runs: number[] = [];
  for (let i = 0; i < table.kind.length; i++) if (table.kind[i] !== KIND_PROBLEM) runs.push(i);
  const rows = Array.from(
    newestFirstOrder(runs, table.capturedAt, table.files, table.seconds),
    (i) => entryAsRow(table, i) as HistoryRow,
  );
  return { rows, problems: problemsOf(table, options.displayDir), stats };
}

/** The files of a table that could not be summarized, by file name. */
export function problemsOf(table: HistoryTable, displayDir: string): HistoryScanProblem[] {
  return withDisplayDir(problemEntries(table), displayDir);
}

function problemEntries(table: HistoryTable): [file: string, reason: string][] {
  const problems: [string, string][] = [];
  for (let i = 0; i < table.kind.length; i++)
    if (table.kind[i] === KIND_PROBLEM) problems.push([table.files[i] as string, table.reason[i] as string]);
  return problems;
}

function withDisplayDir(problems: readonly [string, string][], displayDir: string): HistoryScanProblem[] {
  return problems
    .map(([file, reason]) => ({ file: `${displayDir}/${file}`, reason }))
    .sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/**
 * Reads every record file in a history folder into a table. Large folders
 * are read by worker threads. A summary index keyed by name, size and mtime
 * lets a rebuild stat every file but read only new or changed ones; new
 * files are appended to it, anything else rewrites it. Bad files are
 * skipped and reported, never fatal.
 */
export async function scanHistoryTable(historyDir: string, options: ScanOptions): Promise<HistoryTableScan> {
  return withReaders(options, async (readers) => {
    const found = await collect(historyDir, options, readers, 'table');
    const table = tableOf(found);
    await updateIndex(historyDir, options, found);
    return { table, stats: found.stats };
  });
}

export interface HistorySummaryOptions extends ScanOptions {
  window?: TimeWindow;
  /** See `SummaryOptions.listLimit`. */
  listLimit?: number;
  generatedAt?: string | null;
}

/**
 * The dashboard summary of a history folder: `summarizeTable` over
 * `scanHistoryTable`, but without building the table when it can be
 * avoided. Without a time window, and listing at most `INDEX_LIST_LIMIT`
 * runs, a rebuild merges the summaries the index stores for unchanged
 * files with those of the files it reads, and never parses the rest of
 * the index.
 */
export async function summarizeHistoryFolder(
  historyDir: string,
  options: HistorySummaryOptions,
): Promise<{ summary: DashboardSummary; stats: HistoryScan['stats'] }> {
  const listLimit = options.listLimit ?? Number.POSITIVE_INFINITY;
  const finish = { ...options, listLimit };
  const unbounded =
    options.window === undefined || (options.window.since === null && options.window.until === null);
  const mergeable = unbounded && listLimit <= INDEX_LIST_LIMIT;
  if (!mergeable) {
    const { table, stats } = await scanHistoryTable(historyDir, options);
    const skipped = problemsOf(table, options.displayDir);
    return { summary: summarizeTable(table, { ...finish, skipped }), stats };
  }
  return withReaders(options, async (readers) => {
    const attempt = async (useStoredIndex: boolean) => {
      const found = await collect(historyDir, options, readers, 'summary', useStoredIndex);
      const parts: SummaryPart[] = [];
      const problems: [string, string][] = [];
      for (const kept of found.kept) {
        if (kept.keep === null) {
          parts.push(kept.segment.part);
          problems.push(...kept.segment.problems);
        } else {
          const table = selectionOf(kept);
          kept.part = partialSummaryOf(table, { limit: INDEX_LIST_LIMIT });
          parts.push(kept.part);
          problems.push(...problemEntries(table));
        }
      }
      for (const added of found.added) {
        added.part ??= partialSummaryOf(added.table, { limit: INDEX_LIST_LIMIT });
        parts.push(added.part);
        problems.push(...problemEntries(added.table));
      }
      const skipped = withDisplayDir(problems, options.displayDir);
      // Parts that cannot be merged are summarized again from the whole table.
      const summary = canMergeParts(parts, listLimit)
        ? finishSummary(mergePartialSummaries(parts, listLimit), { ...finish, skipped })
        : summarizeTable(tableOf(found), { ...finish, skipped });
      await updateIndex(historyDir, options, found);
      return { summary, stats: found.stats };
    };
    try {
      return await attempt(true);
    } catch (error) {
      // A segment whose summary parsed but whose columns do not: read every file again.
      if (error instanceof CorruptIndexError) return attempt(false);
      throw error;
    }
  });
}

/** An index segment's columns turned out unreadable after its summary was used. */
class CorruptIndexError extends Error {}

/** An index segment with the entries still valid: all (`keep` null) or those `keep` marks. */
interface KeptSegment {
  segment: IndexSegment;
  keep: Uint8Array | null;
  /** The kept entries of a partly kept segment, and their summary, once made. */
  selection?: HistoryTable;
  part?: SummaryPart;
}

/** All columns of a segment; a segment whose summary was used but whose columns are unreadable aborts the scan. */
function columnsOf(segment: IndexSegment): HistoryTable {
  try {
    return segment.table();
  } catch {
    throw new CorruptIndexError('summary index: unreadable segment');
  }
}

/** The kept entries of a partly kept segment (made once). */
function selectionOf(kept: KeptSegment): HistoryTable {
  kept.selection ??= selectEntries(columnsOf(kept.segment), kept.keep as Uint8Array);
  return kept.selection;
}

/** A batch of files read in this scan. */
interface AddedPart {
  table: HistoryTable;
  /** `encodeTable(table)`, when a reader thread already made it. */
  text: string | null;
  part?: SummaryPart;
}

/** What a scan found: index segments still valid (all entries, or those `keep` marks) and files read. */
interface Collected {
  kept: KeptSegment[];
  added: AddedPart[];
  /** Index segments loaded, and how many of their entries were stale or gone. */
  segments: number;
  stale: number;
  stats: HistoryScan['stats'];
}

/**
 * Lists the folder, loads the index, matches its entries to the files by
 * name, size and mtime, and reads the files it does not cover. In `table`
 * mode every kept segment's columns are parsed here; a segment whose text
 * turns out corrupt is dropped and its files are read instead.
 */
async function collect(
  historyDir: string,
  options: ScanOptions,
  readers: ReaderThreads,
  mode: 'table' | 'summary',
  useStoredIndex = true,
): Promise<Collected> {
  const useIndexFile = options.useIndex ?? true;
  const useIndex = useIndexFile && useStoredIndex;
  const threshold = options.workerThreshold ?? WORKER_THRESHOLD;
  // The folder is listed in libuv's thread pool while this thread reads and parses the index.
  const listing = listRecordFiles(historyDir, options.displayDir);
  listing.catch(() => {}); // awaited below; this only keeps an early failure from counting as unhandled
  const segments = useIndex ? await loadSummaryIndex(historyDir) : null;
  // A large index, or a large folder file, means many files: start the reader threads while
  // the listing finishes (a thread takes ~35 ms to be ready).
  const indexed = segments?.reduce((sum, segment) => sum + segment.head.files.length, 0) ?? 0;
  if (indexed >= threshold || folderBytes(historyDir) >= threshold * DIRECTORY_BYTES_PER_ENTRY)
    readers.start();
  const names = await listing;
  const threads = names.length < threshold ? 0 : readers.size;

  const kept: Collected['kept'] = [];
  const covered = new Uint8Array(names.length);
  let reused = 0;
  let stale = 0;
  if (segments !== null && segments.length > 0) {
    const stats =
      threads > 0 ? await statInWorkers(readers, historyDir, names) : statChunk(historyDir, names);
    const cache = {};
    for (const segment of segments) {
      const { files, size, mtime } = segment.head;
      const keep = new Uint8Array(files.length);
      let count = 0;
      const positions = positionsIn(names, files, cache);
      for (let j = 0; j < files.length; j++) {
        const i = positions[j] as number;
        if (i >= 0 && covered[i] === 0 && stats[2 * i] === size[j] && stats[2 * i + 1] === mtime[j]) {
          keep[j] = 1;
          count++;
        }
      }
      if (count > 0 && (mode === 'table' || count < files.length)) {
        try {
          segment.table();
        } catch {
          count = 0;
        }
      }
      stale += files.length - count;
      if (count === 0) continue;
      reused += count;
      for (let j = 0; j < files.length; j++) if (keep[j] === 1) covered[positions[j] as number] = 1;
      kept.push({ segment, keep: count === files.length ? null : keep });
    }
  }
  const readNames = names.filter((_, i) => covered[i] === 0);
  const added: AddedPart[] =
    readNames.length >= threshold && threads > 0
      ? await readInWorkers(readers, historyDir, readNames, (part) => {
          // The part's summary, made while the threads still read. (Encoding this thread's
          // tables for the index waits for the end: made early, the text would be held longer.)
          if (mode === 'summary' || useIndexFile)
            part.part = partialSummaryOf(part.table, { limit: INDEX_LIST_LIMIT });
        })
      : readNames.length > 0
        ? [{ table: readHere(historyDir, readNames), text: null }]
        : [];
  // Nothing more for the threads: let their memory go before the summary and the index are made.
  readers.stop();
  return {
    kept,
    added,
    segments: segments?.length ?? 0,
    stale,
    stats: { files: names.length, reused, read: readNames.length, workers: threads },
  };
}

/** Files read on this thread. */
function readHere(dir: string, names: string[]): HistoryTable {
  const builder = createTableBuilder(TASK_CLASSIFIER);
  scanChunk(dir, names, builder);
  return builder.build();
}

/** One table of everything a scan found (parsing every kept segment). */
function tableOf(found: Collected): HistoryTable {
  const parts = [
    ...found.kept.map((kept) => (kept.keep === null ? columnsOf(kept.segment) : selectionOf(kept))),
    ...found.added.map(({ table }) => table),
  ];
  return parts.length === 0 ? createTableBuilder(TASK_CLASSIFIER).build() : concatTables(parts);
}

/**
 * Brings the index up to date. A first scan writes what it read; a scan
 * that only found new files appends them as a segment. Stale entries, or
 * too many segments, rewrite the file: unchanged segments are copied as
 * stored, partly kept ones re-encoded with what is left, and when there are
 * too many, the smallest are folded into one (appends are small, so folding
 * parses little). The index is a cache: failing to write it (read-only
 * folder) must not fail the build.
 */
async function updateIndex(historyDir: string, options: ScanOptions, found: Collected): Promise<void> {
  if (!(options.useIndex ?? true)) return;
  const ignore = () => {};
  const encoded = (table: HistoryTable, text: string | null, part?: SummaryPart) =>
    encodeIndexSegment(
      text ?? encodeTable(table),
      part ?? partialSummaryOf(table, { limit: INDEX_LIST_LIMIT }),
      problemEntries(table),
    );
  interface Pending {
    entries: number;
    pieces: () => readonly (string | Buffer)[];
    table: () => HistoryTable;
  }
  const added = found.added.map(({ table, text, part }) => ({
    entries: table.files.length,
    pieces: () => encoded(table, text, part),
    table: () => table,
  }));
  if (found.stats.reused === 0) {
    await saveSummaryIndex(
      historyDir,
      added.map((segment) => segment.pieces()),
    ).catch(ignore);
    return;
  }
  if (found.stale === 0 && found.segments + added.length <= MAX_INDEX_SEGMENTS) {
    if (added.length > 0)
      await appendSummaryIndex(
        historyDir,
        added.map((segment) => segment.pieces()),
      ).catch(ignore);
    return;
  }
  let segments: Pending[] = [
    ...found.kept.map((kept): Pending => {
      if (kept.keep === null)
        return {
          entries: kept.segment.head.files.length,
          pieces: () => [kept.segment.raw],
          table: () => columnsOf(kept.segment),
        };
      const table = selectionOf(kept);
      return {
        entries: table.files.length,
        pieces: () => encoded(table, null, kept.part),
        table: () => table,
      };
    }),
    ...added,
  ];
  if (segments.length > MAX_INDEX_SEGMENTS) {
    const fold = new Set(
      [...segments]
        .sort((a, b) => a.entries - b.entries)
        .slice(0, segments.length - MAX_INDEX_SEGMENTS / 2 + 1),
    );
    const folded = sortedByFile(concatTables([...fold].map((segment) => segment.table())));
    segments = [
      ...segments.filter((segment) => !fold.has(segment)),
      { entries: folded.files.length, pieces: () => encoded(folded, null), table: () => folded },
    ];
  }
  await saveSummaryIndex(
    historyDir,
    segments.map((segment) => segment.pieces()),
  ).catch(ignore);
}

async function listRecordFiles(historyDir: string, displayDir: string): Promise<string[]> {
  try {
    const names = (await readdir(historyDir)).filter(
      (name) => name.endsWith('.json') && !name.startsWith('.'),
    );
    return names.sort();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code === 'ENOENT') throw new NotFoundError(`${displayDir}: history folder not found`, displayDir);
    if (code === 'ENOTDIR') throw new ValidationError(`${displayDir}: not a folder`, displayDir);
    throw new ValidationError(`${displayDir}: cannot read history folder (${code ?? 'error'})`, displayDir);
  }
}

const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const createTableBuilder = ${createTableBuilder.toString()};
const taskFamily = ${taskFamily.toString()};
const templateOfTask = ${templateOfTask.toString()};
const canonicalSeconds = ${canonicalSeconds.toString()};
const encodeTable = ${encodeTable.toString()};
const scanChunk = ${scanChunk.toString()};
const statChunk = ${statChunk.toString()};
parentPort.on('message', ({ mode, dir, names }) => {
  if (mode === 'stat') {
    const stats = statChunk(dir, names);
    parentPort.postMessage(stats, [stats.buffer]);
  } else {
    const builder = createTableBuilder({ taskFamily, templateOfTask, canonicalSeconds });
    scanChunk(dir, names, builder);
    parentPort.postMessage(encodeTable(builder.build()));
  }
});
`;

/** Names per batch: small enough that threads finish together, large enough to keep messages few. */
function batchSize(total: number, threads: number): number {
  return Math.max(500, Math.ceil(total / (threads * 12)));
}

type Worker = InstanceType<typeof import('node:worker_threads').Worker>;

/**
 * Reader threads for one scan, started on first use (or early, when the
 * index or the folder's size shows a large history: a thread takes ~35 ms
 * to be ready) and stopped once the reading is done.
 */
class ReaderThreads {
  private workers: Worker[] = [];

  constructor(readonly size: number) {}

  start(): Worker[] {
    if (this.size === 0) return this.workers;
    // Loaded on first use: small histories never start a thread.
    const { Worker } = process.getBuiltinModule('node:worker_threads');
    while (this.workers.length < this.size)
      this.workers.push(
        new Worker(WORKER_SOURCE, {
          eval: true,
          resourceLimits: { maxYoungGenerationSizeMb: READER_YOUNG_GENERATION_MB },
        }),
      );
    return this.workers;
  }

  stop(): void {
    for (const worker of this.workers) void worker.terminate();
    this.workers = [];
  }
}

async function withReaders<T>(
  options: ScanOptions,
  work: (readers: ReaderThreads) => Promise<T>,
): Promise<T> {
  const count =
    options.workers === 0
      ? 0
      : Math.max(1, Math.min(options.workers ?? Math.min(availableParallelism() - 1, 3), 8));
  const readers = new ReaderThreads(count);
  try {
    return await work(readers);
  } finally {
    readers.stop();
  }
}

/**
 * Splits `names` into batches that the reader threads and this one take one
 * at a time (a slow or busy thread just takes fewer; this thread works while
 * the others start). `onResult` gets each batch's result, with the batch's
 * offset in `names`, as it arrives.
 */
function inWorkers(
  readers: ReaderThreads,
  mode: 'stat' | 'read',
  dir: string,
  names: string[],
  here: (batch: string[]) => ChunkMessage,
  onResult: (message: ChunkMessage, offset: number) => void,
): Promise<void> {
  const size = batchSize(names.length, readers.size);
  // Small batches here, so that the threads' results are taken in soon.
  const hereSize = Math.max(100, Math.ceil(size / 16));
  let next = 0;
  return new Promise<void>((resolve, reject) => {
    let running = 1;
    let failed = false;
    const detach: (() => void)[] = [];
    const finished = () => {
      if (--running > 0 || failed) return;
      for (const off of detach) off();
      resolve();
    };
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      for (const off of detach) off();
      reject(error);
    };
    for (const worker of readers.start()) {
      running++;
      // Two batches in flight, so that a thread never waits for this one to hand out the next.
      const offsets: number[] = [];
      let done = false;
      const take = () => {
        if (next >= names.length || failed) {
          if (offsets.length === 0 && !done) {
            done = true;
            finished();
          }
          return;
        }
        // Smaller batches towards the end, so that no thread is left with a long one.
        const count = Math.min(
          size,
          Math.max(hereSize, Math.ceil((names.length - next) / (2 * (readers.size + 1)))),
        );
        offsets.push(next);
        worker.postMessage({ mode, dir, names: names.slice(next, next + count) });
        next += count;
      };
      const onMessage = (message: ChunkMessage) => {
        onResult(message, offsets.shift() as number);
        take();
      };
      const onExit = (code: number) => fail(new Error(`history reader thread exited with code ${code}`));
      worker.on('message', onMessage);
      worker.on('error', fail);
      worker.on('exit', onExit);
      detach.push(() => {
        worker.off('message', onMessage);
        worker.off('error', fail);
        worker.off('exit', onExit);
      });
      take();
      take();
    }
    const work = () => {
      if (failed) return;
      if (next >= names.length) return finished();
      const offset = next;
      next += hereSize;
      try {
        onResult(here(names.slice(offset, offset + hereSize)), offset);
      } catch (error) {
        return fail(error as Error);
      }
      // Let the threads' messages in before the next batch.
      setImmediate(work);
    };
    work();
  });
}

async function statInWorkers(readers: ReaderThreads, dir: string, names: string[]): Promise<Float64Array> {
  const all = new Float64Array(names.length * 2);
  await inWorkers(
    readers,
    'stat',
    dir,
    names,
    (batch) => statChunk(dir, batch),
    (part, offset) => all.set(part as Float64Array, 2 * offset),
  );
  return all;
}

/** This thread's read batches become one table, and index segment, per this many files. */
const HERE_SEGMENT_FILES = 16_000;

/**
 * A thread's batch comes back as an encoded table (one string copy across
 * threads instead of cloning objects), decoded here while the threads read
 * on; its text can become part of the index as is. Each part is handed to
 * `prepare` as soon as it is complete (summarized while the threads still
 * read, rather than all at the end on this thread alone).
 */
async function readInWorkers(
  readers: ReaderThreads,
  dir: string,
  names: string[],
  prepare: (part: AddedPart) => void,
): Promise<AddedPart[]> {
  const results: AddedPart[] = [];
  const add = (part: AddedPart) => {
    prepare(part);
    results.push(part);
  };
  // This thread's batches go into tables of up to HERE_SEGMENT_FILES (sorted by name: its batches
  // come in order), so that a first scan writes an index of a few segments, not dozens.
  let here = createTableBuilder(TASK_CLASSIFIER);
  let hereCount = 0;
  const flushHere = () => {
    if (hereCount === 0) return;
    add({ table: here.build(), text: null });
    here = createTableBuilder(TASK_CLASSIFIER);
    hereCount = 0;
  };
  await inWorkers(
    readers,
    'read',
    dir,
    names,
    (batch) => {
      scanChunk(dir, batch, here);
      hereCount += batch.length;
      if (hereCount >= HERE_SEGMENT_FILES) flushHere();
      return null;
    },
    (message) => {
      if (typeof message === 'string') add({ table: decodeTable(message), text: message });
    },
  );
  flushHere();
  return results;
}
