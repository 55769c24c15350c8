import type { TableBuilder } from './history-table.js';

/**
 * One summarized history file as a tuple (what `scanHistory` returns; the
 * scan itself works on a `HistoryTable`):
 * `[file, captured_at, status, task, actions, workers, approved, denied,
 * failed_after_approval, size, mtime_ms]`, where `file` is `<hash>.json`.
 */
export type HistoryRow = [
  file: string,
  captured_at: string,
  status: 'ok' | 'error',
  task: string,
  actions: string[],
  workers: string[],
  approved: number,
  denied: number,
  failed_after_approval: number,
  size: number,
  mtime_ms: number,
];

/** A file that could not be summarized: `[file, size, mtime_ms, reason]`. */
export type HistoryProblemRow = [file: string, size: number, mtime_ms: number, reason: string];

export type ScanEntry = HistoryRow | HistoryProblemRow;

export function isProblemRow(entry: ScanEntry): entry is HistoryProblemRow {
  return entry.length === 4;
}

/** The record hash of a row (its file name without `.json`). */
export function rowHash(row: HistoryRow): string {
  return row[0].slice(0, -5);
}

/**
 * Reads and checks the files `names` in `dir` into `builder` (a
 * `createTableBuilder()`), one entry per name, in order. Several calls can
 * fill one builder.
 *
 * Runs in worker threads from its own source text, so it must not refer to
 * anything outside its body: no imports, no helpers.
 */
export function scanChunk(dir: string, names: string[], builder: TableBuilder): void {
  const fs = process.getBuiltinModule('node:fs');
  // The numeric flag: Node parses a string flag ('r') again on every open.
  const readOnly = fs.constants.O_RDONLY;
  let buffer = Buffer.allocUnsafe(64 * 1024);
  const hexHash = /^[0-9a-f]{64}$/;
  const timestamp = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z$/;
  for (let i = 0; i < names.length; i++) {
    const name = names[i] as string;
    let fd = -1;
    try {
      fd = fs.openSync(`${dir}/${name}`, readOnly);
      const stat = fs.fstatSync(fd);
      const size = stat.size;
      const mtime = stat.mtimeMs;
      const problem = (reason: string) => builder.addProblem(name, size, mtime, reason);
      if (!stat.isFile()) {
        problem('not a regular file');
        continue;
      }
      if (size > 64 * 1024 * 1024) {
        problem('larger than 64 MiB');
        continue;
      }
      if (buffer.length < size) buffer = Buffer.allocUnsafe(size);
      let read = 0;
      while (read < size) {
        const n = fs.readSync(fd, buffer, read, size - read, read);
        if (n === 0) break;
        read += n;
      }
      let record: Record<string, unknown>;
      try {
        record = JSON.parse(buffer.toString('utf8', 0, read));
      } catch {
        problem('not valid JSON');
        continue;
      }
      if (record === null || typeof record !== 'object' || Array.isArray(record)) {
        problem('not a run record: not an object');
        continue;
      }
      if (record.schema_version !== 1) {
        problem(`older or unknown schema_version ${JSON.stringify(record.schema_version ?? null)}`);
        continue;
      }
      const { hash, captured_at: capturedAt, status, task, actions } = record;
      if (typeof hash !== 'string' || !hexHash.test(hash)) {
        problem('not a run record: hash');
        continue;
      }
      if (name !== `${hash}.json`) {
        problem('file name does not match the record hash');
        continue;
      }
      if (typeof capturedAt !== 'string' || !timestamp.test(capturedAt)) {
        problem('not a run record: captured_at');
        continue;
      }
      if (status !== 'ok' && status !== 'error') {
        problem('not a run record: status');
        continue;
      }
      if (typeof task !== 'string' || !Array.isArray(actions)) {
        problem('not a run record: task or actions');
        continue;
      }
      const actionIds: string[] = [];
      const workers: string[] = [];
      let approved = 0;
      let denied = 0;
      let failedAfterApproval = 0;
      let bad = false;
      for (const action of actions as Record<string, unknown>[]) {
        if (action === null || typeof action !== 'object' || typeof action.action !== 'string') {
          bad = true;
          break;
        }
        actionIds.push(action.action);
        if (typeof action.worker_id === 'string') workers.push(action.worker_id);
        if (action.approved === true) {
          approved++;
          if (action.ok !== true) failedAfterApproval++;
        }
        if (action.denied === true) denied++;
      }
      if (bad) {
        problem('not a run record: actions');
        continue;
      }
      builder.addRun(name, size, mtime, {
        capturedAt,
        status,
        task,
        actions: actionIds,
        workers,
        approved,
        denied,
        failedAfterApproval,
      });
    } catch (error) {
      builder.addProblem(name, -1, -1, `unreadable (${(error as { code?: string }).code ?? 'error'})`);
    } finally {
      if (fd >= 0) fs.closeSync(fd);
    }
  }
}

/**
 * Size and mtime of each of `names` (NaN for a file that cannot be stat'ed).
 * Runs in worker threads from its own source text: no outside references.
 */
export function statChunk(dir: string, names: string[]): Float64Array {
  const fs = process.getBuiltinModule('node:fs');
  const out = new Float64Array(names.length * 2).fill(Number.NaN);
  const options = { throwIfNoEntry: false } as const;
  for (let i = 0; i < names.length; i++) {
    const stat = fs.statSync(`${dir}/${names[i]}`, options);
    if (stat) {
      out[2 * i] = stat.size;
      out[2 * i + 1] = stat.mtimeMs;
    }
  }
  return out;
}
