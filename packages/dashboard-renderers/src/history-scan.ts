import { readdir, stat } from 'node:fs/promises';
import { availableParallelism } from 'node:os';
import path from 'node:path';
import { NotFoundError, ValidationError } from '@sdetkit/policy';
import { sortNewestFirst } from './newest-first.js';
import { type HistoryRow, isProblemRow, type ScanEntry, scanChunk, statChunk } from './scan-chunk.js';
import {
  appendSummaryIndex,
  indexLine,
  loadSummaryIndex,
  SUMMARY_INDEX_FILE,
  saveSummaryIndex,
} from './summary-index.js';

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
  /** Threads for large folders; default: available cores, at most 4. 0 keeps all work on this thread. */
  workers?: number;
  /** Folders with fewer files are read on this thread (default 4000). */
  workerThreshold?: number;
}

/** Below this many files a worker thread costs more than it saves. */
export const WORKER_THRESHOLD = 4000;

type ChunkMessage = string | Float64Array;

/**
 * Reads every record file in a history folder into summary rows. Large
 * folders are read by worker threads. A summary index keyed by name, size
 * and mtime lets a rebuild stat every file but read only new or changed
 * ones; new files are appended to it, anything else rewrites it. Bad files
 * are skipped and reported, never fatal.
 */
export async function scanHistory(historyDir: string, options: ScanOptions): Promise<HistoryScan> {
  const names = await listRecordFiles(historyDir, options.displayDir);
  const useIndex = options.useIndex ?? true;
  const threads =
    options.workers === 0 || names.length < (options.workerThreshold ?? WORKER_THRESHOLD)
      ? 0
      : Math.max(1, Math.min(options.workers ?? Math.min(availableParallelism(), 4), 8));
  const indexPath = path.join(historyDir, SUMMARY_INDEX_FILE);
  const hasIndex =
    useIndex &&
    (await stat(indexPath).then(
      (s) => s.isFile(),
      () => false,
    ));

  // Entries in index order (kept newest first), then whatever had to be read.
  const ordered: ScanEntry[] = [];
  const covered = new Uint8Array(names.length);
  let reused = 0;
  let stale = 0;
  if (hasIndex) {
    // The reader threads stat every file while this one parses the index (the stats take longer).
    const statsPending =
      threads > 0 ? statInWorkers(historyDir, names, threads) : Promise.resolve(statChunk(historyDir, names));
    const index = await loadSummaryIndex(historyDir);
    const stats = await statsPending;
    const position = new Map<string, number>();
    for (let i = 0; i < names.length; i++) position.set(names[i]!, i);
    for (const entry of index) {
      const i = position.get(entry[0]);
      const problem = isProblemRow(entry);
      if (
        i !== undefined &&
        covered[i] === 0 &&
        stats[2 * i] === (problem ? entry[1] : entry[9]) &&
        stats[2 * i + 1] === (problem ? entry[2] : entry[10])
      ) {
        covered[i] = 1;
        ordered.push(entry);
        reused++;
      } else {
        stale++;
      }
    }
  }
  const readNames = names.filter((_, i) => covered[i] === 0);
  const readThreads = readNames.length < (options.workerThreshold ?? WORKER_THRESHOLD) ? 0 : threads;
  // JSON text from the reader(s): parsed here, and reused as index lines on a full rebuild.
  const texts =
    readThreads > 0
      ? await readInWorkers(historyDir, readNames, readThreads)
      : [scanChunk(historyDir, readNames)];
  const added: ScanEntry[] = [];
  for (const text of texts) for (const entry of JSON.parse(text) as ScanEntry[]) added.push(entry);
  for (const entry of added) ordered.push(entry);

  let rows: HistoryRow[] = [];
  const problems: HistoryScanProblem[] = [];
  for (const entry of ordered) {
    if (isProblemRow(entry)) problems.push({ file: `${options.displayDir}/${entry[0]}`, reason: entry[3] });
    else rows.push(entry);
  }
  rows = sortNewestFirst(rows);
  problems.sort((a, b) => (a.file < b.file ? -1 : a.file > b.file ? 1 : 0));

  if (useIndex) {
    // The index is a cache: failing to write it (read-only folder) must not fail the build.
    if (!hasIndex)
      await saveSummaryIndex(
        historyDir,
        texts.map((text) => text.slice(1, -1)),
      ).catch(() => {});
    else if (stale > 0) await saveSummaryIndex(historyDir, [indexLine(ordered)]).catch(() => {});
    else await appendSummaryIndex(historyDir, added).catch(() => {});
  }
  return {
    rows,
    problems,
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
const { parentPort, workerData } = require('node:worker_threads');
const scanChunk = ${scanChunk.toString()};
const statChunk = ${statChunk.toString()};
if (workerData.mode === 'stat') {
  const stats = statChunk(workerData.dir, workerData.names);
  parentPort.postMessage(stats, [stats.buffer]);
} else {
  parentPort.postMessage(scanChunk(workerData.dir, workerData.names));
}
`;

/** Runs one chunk of `names` per thread; results come back in order. */
function inWorkers(
  mode: 'stat' | 'read',
  dir: string,
  names: string[],
  count: number,
): Promise<ChunkMessage[]> {
  const size = Math.ceil(names.length / count);
  return Promise.all(
    Array.from(
      { length: count },
      (_, w) =>
        new Promise<ChunkMessage>((resolve, reject) => {
          // Loaded on first use: small histories never start a thread.
          const { Worker } = process.getBuiltinModule('node:worker_threads');
          const worker = new Worker(WORKER_SOURCE, {
            eval: true,
            workerData: { mode, dir, names: names.slice(w * size, (w + 1) * size) },
          });
          worker.once('message', (message: ChunkMessage) => {
            resolve(message);
            void worker.terminate();
          });
          worker.once('error', reject);
          worker.once('exit', (code) => {
            if (code !== 0) reject(new Error(`history reader thread exited with code ${code}`));
          });
        }),
    ),
  );
}

async function statInWorkers(dir: string, names: string[], count: number): Promise<Float64Array> {
  const parts = (await inWorkers('stat', dir, names, count)) as Float64Array[];
  const all = new Float64Array(names.length * 2);
  let at = 0;
  for (const part of parts) {
    all.set(part, at);
    at += part.length;
  }
  return all;
}

/** Each thread returns JSON text: one string copy across threads instead of cloning objects. */
async function readInWorkers(dir: string, names: string[], count: number): Promise<string[]> {
  return (await inWorkers('read', dir, names, count)) as string[];
}
