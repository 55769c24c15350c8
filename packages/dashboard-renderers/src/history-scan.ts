import { readdir } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import { NotFoundError, ValidationError } from '@sdetkit/policy';
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
import { TASK_CLASSIFIER, taskFamily, templateOfTask } from './summarize-history.js';
import { appendSummaryIndex, loadSummaryIndex, saveSummaryIndex } from './summary-index.js';

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
 * 2 cores: 10,000 records read in ~0.2 s here, ~0.33 s with threads).
 */
export const WORKER_THRESHOLD = 20_000;

type ChunkMessage = string | Float64Array | HistoryTable;

/**
 * A reader thread keeps little between files, so a small young generation
 * costs it nothing and keeps the process's peak memory down (100,000 records
 * cold: ~218 MiB instead of ~235 MiB, same time, measured on 2 cores).
 */
const READER_YOUNG_GENERATION_MB = 8;

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
  const problems: HistoryScanProblem[] = [];
  for (let i = 0; i < table.kind.length; i++)
    if (table.kind[i] === KIND_PROBLEM)
      problems.push({ file: `${displayDir}/${table.files[i]}`, reason: table.reason[i] as string });
  return problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));
}

/**
 * Reads every record file in a history folder into a table. Large folders
 * are read by worker threads. A summary index keyed by name, size and mtime
 * lets a rebuild stat every file but read only new or changed ones; new
 * files are appended to it, anything else rewrites it. Bad files are
 * skipped and reported, never fatal.
 */
export async function scanHistoryTable(historyDir: string, options: ScanOptions): Promise<HistoryTableScan> {
  const useIndex = options.useIndex ?? true;
  // The folder is listed (in libuv's thread pool) while this thread reads and parses the index.
  const [names, segments] = await Promise.all([
    listRecordFiles(historyDir, options.displayDir),
    useIndex ? loadSummaryIndex(historyDir) : null,
  ]);
  const threshold = options.workerThreshold ?? WORKER_THRESHOLD;
  const threads =
    options.workers === 0 || names.length < threshold
      ? 0
      : Math.max(1, Math.min(options.workers ?? Math.min(availableParallelism() - 1, 3), 8));

  // Entries reused from the index first, then whatever had to be read.
  const parts: HistoryTable[] = [];
  const covered = new Uint8Array(names.length);
  let reused = 0;
  let stale = 0;
  if (segments !== null && segments.length > 0) {
    const stats =
      threads > 0 ? await statInWorkers(historyDir, names, threads) : statChunk(historyDir, names);
    const cache = {};
    for (const segment of segments) {
      const keep = new Uint8Array(segment.files.length);
      let kept = 0;
      const positions = positionsIn(names, segment.files, cache);
      for (let j = 0; j < segment.files.length; j++) {
        const i = positions[j] as number;
        if (
          i >= 0 &&
          covered[i] === 0 &&
          stats[2 * i] === segment.size[j] &&
          stats[2 * i + 1] === segment.mtime[j]
        ) {
          covered[i] = 1;
          keep[j] = 1;
          kept++;
        }
      }
      reused += kept;
      stale += segment.files.length - kept;
      if (kept === segment.files.length) parts.push(segment);
      else if (kept > 0) parts.push(selectEntries(segment, keep));
    }
  }
  const readNames = names.filter((_, i) => covered[i] === 0);
  const readThreads = readNames.length < threshold ? 0 : threads;
  // A reader thread's batch arrives as encoded text, which can go into the index as is.
  const added: { table: HistoryTable; text: string | null }[] =
    readThreads > 0
      ? await readInWorkers(historyDir, readNames, readThreads)
      : readNames.length > 0
        ? [{ table: scanChunk(historyDir, readNames, createTableBuilder(TASK_CLASSIFIER)), text: null }]
        : [];
  for (const { table } of added) parts.push(table);
  const table = parts.length === 0 ? createTableBuilder(TASK_CLASSIFIER).build() : concatTables(parts);

  if (useIndex) {
    // The index is a cache: failing to write it (read-only folder) must not fail the build.
    // Every segment is written sorted by file name (reader batches are sorted slices of `names`).
    const encoded = added.map(({ table: part, text }) => text ?? encodeTable(part));
    const ignore = () => {};
    const tooMany = (segments?.length ?? 0) + encoded.length > MAX_INDEX_SEGMENTS;
    if (reused === 0) await saveSummaryIndex(historyDir, encoded).catch(ignore);
    else if (stale > 0 || (encoded.length > 0 && tooMany))
      await saveSummaryIndex(historyDir, [encodeTable(sortedByFile(table))]).catch(ignore);
    else if (encoded.length > 0) await appendSummaryIndex(historyDir, encoded).catch(ignore);
  }
  return {
    table,
    stats: {
      files: names.length,
      reused,
      read: readNames.length,
      workers: threads,
    },
  };
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
const encodeTable = ${encodeTable.toString()};
const scanChunk = ${scanChunk.toString()};
const statChunk = ${statChunk.toString()};
parentPort.on('message', ({ mode, dir, names }) => {
  if (mode === 'stat') {
    const stats = statChunk(dir, names);
    parentPort.postMessage(stats, [stats.buffer]);
  } else {
    parentPort.postMessage(encodeTable(scanChunk(dir, names, createTableBuilder({ taskFamily, templateOfTask }))));
  }
});
`;

/** Names per batch: small enough that threads finish together, large enough to keep messages few. */
function batchSize(total: number, threads: number): number {
  return Math.max(500, Math.ceil(total / (threads * 6)));
}

/**
 * Splits `names` into batches that `count` threads and this one take one at
 * a time (a slow or busy thread just takes fewer; this thread works while
 * the others start). `onResult` gets each batch's result, with the batch's
 * offset in `names`, as it arrives.
 */
function inWorkers(
  mode: 'stat' | 'read',
  dir: string,
  names: string[],
  count: number,
  here: (batch: string[]) => ChunkMessage,
  onResult: (message: ChunkMessage, offset: number) => void,
): Promise<void> {
  const size = batchSize(names.length, count);
  // Small batches here, so that a thread waiting for its next batch is answered soon.
  const hereSize = Math.max(100, Math.ceil(size / 8));
  let next = 0;
  return new Promise<void>((resolve, reject) => {
    // Loaded on first use: small histories never start a thread.
    const { Worker } = process.getBuiltinModule('node:worker_threads');
    let running = 1;
    let failed = false;
    const finished = () => {
      if (--running === 0 && !failed) resolve();
    };
    const workers: InstanceType<typeof Worker>[] = [];
    const fail = (error: Error) => {
      if (failed) return;
      failed = true;
      for (const worker of workers) void worker.terminate();
      reject(error);
    };
    for (let w = 0; w < Math.min(count, Math.ceil(names.length / size)); w++) {
      const worker = new Worker(WORKER_SOURCE, {
        eval: true,
        resourceLimits: { maxYoungGenerationSizeMb: READER_YOUNG_GENERATION_MB },
      });
      workers.push(worker);
      running++;
      let offset = -1;
      let done = false;
      const take = () => {
        if (next >= names.length || failed) {
          done = true;
          void worker.terminate();
          finished();
          return;
        }
        offset = next;
        next += size;
        worker.postMessage({ mode, dir, names: names.slice(offset, offset + size) });
      };
      worker.on('message', (message: ChunkMessage) => {
        onResult(message, offset);
        take();
      });
      worker.once('error', fail);
      worker.once('exit', (code) => {
        if (!done) fail(new Error(`history reader thread exited with code ${code}`));
      });
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

async function statInWorkers(dir: string, names: string[], count: number): Promise<Float64Array> {
  const all = new Float64Array(names.length * 2);
  await inWorkers(
    'stat',
    dir,
    names,
    count,
    (batch) => statChunk(dir, batch),
    (part, offset) => all.set(part as Float64Array, 2 * offset),
  );
  return all;
}

/**
 * A thread's batch comes back as an encoded table (one string copy across
 * threads instead of cloning objects), decoded here while the threads read
 * on; its text can become part of the index as is.
 */
async function readInWorkers(
  dir: string,
  names: string[],
  count: number,
): Promise<{ table: HistoryTable; text: string | null }[]> {
  const results: { table: HistoryTable; text: string | null }[] = [];
  await inWorkers(
    'read',
    dir,
    names,
    count,
    (batch) => scanChunk(dir, batch, createTableBuilder(TASK_CLASSIFIER)),
    (message) => {
      if (typeof message === 'string') results.push({ table: decodeTable(message), text: message });
      else results.push({ table: message as HistoryTable, text: null });
    },
  );
  return results;
}
