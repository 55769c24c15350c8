import { renameSync, statSync } from 'node:fs';
import { readdir, readFile, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';
import { NotFoundError, ValidationError } from '@sdetkit/policy';
import { TEMP_PREFIX, writeFileAtomic, writeFileInPlace } from './atomic-write.js';
import { folderPrefix } from './folder-prefix.js';
import type { LedgerLocation } from './ledger.js';
import { HOST_TAG, isAlive } from './process-alive.js';
import { canonicalRecordJson, type RunRecord, runRecordSchema, verifyRecordHash } from './run-record.js';
import type { FileWriter } from './threaded-writer.js';

/** A history file that could not be used, with a one-line reason. */
export interface HistoryProblem {
  file: string;
  reason: string;
}

export interface HistoryListing {
  /** Newest first (`captured_at` descending, then hash). */
  records: RunRecord[];
  /** Unreadable, non-JSON or invalid files, skipped. */
  problems: HistoryProblem[];
}

/** Where run records live. The file system store is the default; others can follow. */
export interface HistoryStore {
  save(record: RunRecord): Promise<{ file: string; created: boolean }>;
  list(options?: { limit?: number }): Promise<HistoryListing>;
  get(hash: string): Promise<RunRecord>;
  /** Deletes a record (retention). */
  remove(hash: string): Promise<void>;
  /**
   * Two-phase save, for stores that can: the record is written where readers
   * do not see it; `commit` publishes it (after its ledger entry is durable),
   * `abort` drops it. `recordRun` uses this when it is there.
   */
  stage?(record: RunRecord, options?: StageOptions): Promise<StagedRecord>;
  /** Publishes or drops what killed processes staged; see `FileHistoryStore.recoverPending`. */
  recoverPending?(
    ledgerRuns: () => Promise<ReadonlySet<string>>,
  ): Promise<{ recovered: string[]; discarded: number }>;
}

export interface StageOptions {
  /**
   * The ledger the record's entry goes to. A store whose writer can
   * (`FileWriter.writeRecord`) then writes the entry and publishes the
   * record itself, and says so with `published`.
   */
  ledger?: LedgerLocation;
}

/** A record written but not yet published under its final name. */
export interface StagedRecord {
  file: string;
  /** False when the same record (same hash, same bytes) is already published. */
  created: boolean;
  /** True when the store also wrote the ledger entry and published the record: `commit` and `abort` do nothing. */
  published?: boolean;
  commit(): Promise<void>;
  abort(): Promise<void>;
}

/** Where staged records wait for their ledger entry: `history/.pending/<hash>.<host tag>-<pid>.json`. */
export const PENDING_DIR = '.pending';
const PENDING_FILE = /^([0-9a-f]{64})\.([0-9a-f]{8})-(\d+)\.json$/;
/**
 * Staged files this process is between `stage` and `commit`/`abort` with,
 * each with a promise that settles when it is published or dropped.
 */
const inFlight = new Map<string, Promise<void>>();
/** A staged file older than this is an orphan even if its pid was reused by another process. */
const PENDING_ORPHAN_MS = 10 * 60_000;

const HASH_FILE = /^[0-9a-f]{64}\.json$/;
const READ_CONCURRENCY = 32;

/** The bytes of a record on disk: its canonical JSON and a newline. */
export function serializeRunRecord(record: RunRecord): string {
  return `${canonicalRecordJson(record)}\n`;
}

/**
 * `history/<hash>.json`, one canonical record per file, written atomically.
 * `displayDir` is the workspace-relative folder used in messages.
 */
export class FileHistoryStore implements HistoryStore {
  private readonly writer: FileWriter;
  /**
   * The folders' paths with a trailing separator, normalized once: a
   * record's paths are one of these and its file name (a server makes three
   * per request, and `path.join` normalizes every time: 1% of its main
   * thread's CPU under perf).
   */
  private readonly prefixes: { dir: string; display: string; pending: string };

  /**
   * `writer`: how record files are written (default: `writeFileAtomic`, and
   * `writeFileInPlace` for staged records); a server passes a `ThreadedFileWriter`.
   */
  constructor(
    private readonly dir: string,
    private readonly displayDir: string,
    options: { writer?: FileWriter } = {},
  ) {
    this.prefixes = {
      dir: folderPrefix(dir),
      display: folderPrefix(displayDir, path.posix.join),
      pending: folderPrefix(path.join(dir, PENDING_DIR)),
    };
    this.writer = options.writer ?? {
      write: (target, data) => writeFileAtomic(target, data),
      writeInPlace: writeFileInPlace,
    };
  }

  async save(record: RunRecord): Promise<{ file: string; created: boolean }> {
    const { file, target, bytes, present } = await this.locate(record);
    // Same hash means same content: a repeat of a deterministic run is a no-op.
    if (present) return { file, created: false };
    await this.writer.write(target, bytes);
    return { file, created: true };
  }

  /** A record's published file: as shown (`file`) and on disk (`target`). */
  private paths(record: RunRecord): { file: string; target: string } {
    const name = `${record.hash}.json`;
    return { file: this.prefixes.display + name, target: this.prefixes.dir + name };
  }

  /** Where a record goes, its bytes, and whether exactly those bytes are already there. */
  private async locate(record: RunRecord) {
    const { file, target } = this.paths(record);
    const bytes = serializeRunRecord(record);
    // A new run's file does not exist yet: one stat says so (a failed read would cost an error object).
    const existing = statSync(target, { throwIfNoEntry: false })?.isFile()
      ? await readFile(target, 'utf8').catch(() => undefined)
      : undefined;
    return { file, target, bytes, present: existing === bytes };
  }

  async stage(record: RunRecord, options: StageOptions = {}): Promise<StagedRecord> {
    const pending = `${this.prefixes.pending}${record.hash}.${HOST_TAG}-${process.pid}.json`;
    // The same record staged again before the first is published (two chat users sending the
    // same text in the same second make the same run): wait for the first, which then is there.
    for (let busy = inFlight.get(pending); busy; busy = inFlight.get(pending)) await busy;
    let settle = () => {};
    inFlight.set(
      pending,
      new Promise<void>((resolve) => {
        settle = () => {
          inFlight.delete(pending);
          resolve();
        };
      }),
    );
    try {
      if (options.ledger && this.writer.writeRecord)
        return await this.stageAndLog(record, pending, options.ledger, settle);
      const { file, target, bytes, present } = await this.locate(record);
      if (present) {
        settle();
        return { file, created: false, commit: noop, abort: noop };
      }
      // In place, not through a temp file: nothing reads a staged record until its ledger entry,
      // written only once this resolves (bytes and name on disk), publishes it. A crash mid-write
      // leaves a partial file without an entry, which recovery drops. Saves a round of fsyncs.
      if (this.writer.writeInPlace) await this.writer.writeInPlace(pending, bytes);
      else await this.writer.write(pending, bytes);
      return staged(file, pending, target, settle);
    } catch (error) {
      settle();
      throw error;
    }
  }

  /**
   * `stage` by a writer that also logs and publishes (`FileWriter.writeRecord`):
   * the existence check, the entry and the rename happen on its side. When it
   * could not take the ledger's lock, the record is left staged as `stage`
   * leaves it, for `recordRun` to log and commit here.
   */
  private async stageAndLog(
    record: RunRecord,
    pending: string,
    ledger: LedgerLocation,
    settle: () => void,
  ): Promise<StagedRecord> {
    const { file, target } = this.paths(record);
    const entry = { kind: 'run' as const, hash: record.hash, captured_at: record.captured_at };
    const result = await this.writer.writeRecord!({
      pending,
      target,
      data: serializeRunRecord(record),
      entry,
      ledger,
    });
    if (result.state === 'staged') return staged(file, pending, target, settle);
    settle();
    if (result.state === 'present') return { file, created: false, commit: noop, abort: noop };
    return { file, created: true, published: true, commit: noop, abort: noop };
  }

  /**
   * Finishes what killed processes left between `stage` and `commit`: a
   * staged record whose ledger entry was written is published (roll
   * forward); one whose entry never was is removed (roll back). Files of
   * live processes are left alone. `ledgerRuns` is read only when an orphan
   * exists. Returns the published hashes and how many were dropped.
   */
  async recoverPending(
    ledgerRuns: () => Promise<ReadonlySet<string>>,
  ): Promise<{ recovered: string[]; discarded: number }> {
    const dir = path.join(this.dir, PENDING_DIR);
    let names: string[];
    try {
      names = await readdir(dir);
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { recovered: [], discarded: 0 };
      throw error;
    }
    const recovered: string[] = [];
    let discarded = 0;
    let runs: ReadonlySet<string> | undefined;
    for (const name of names.sort()) {
      const full = path.join(dir, name);
      const match = PENDING_FILE.exec(name);
      if (!match) {
        // A temp file of a write into .pending that was itself interrupted: by age only,
        // since its name carries no host tag.
        if (name.startsWith(TEMP_PREFIX) && (await olderThan(full, PENDING_ORPHAN_MS))) {
          await rm(full, { force: true });
          discarded++;
        }
        continue;
      }
      const [, hash, host, pid] = match;
      if (!(await isOrphan(full, host!, Number(pid)))) continue;
      runs ??= await ledgerRuns();
      // The hash check also catches a partial file: staged records are written in place, and a
      // crash while rewriting one whose entry an earlier run already wrote must not publish it.
      if (runs.has(hash!) && (await holdsRecord(full, hash!))) {
        await rename(full, path.join(this.dir, `${hash}.json`)).catch((error) => {
          if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
        });
        recovered.push(hash!);
      } else {
        await rm(full, { force: true });
        discarded++;
      }
    }
    return { recovered, discarded };
  }

  async list(options: { limit?: number } = {}): Promise<HistoryListing> {
    let names: string[];
    try {
      names = (await readdir(this.dir)).filter((name) => name.endsWith('.json') && !name.startsWith('.'));
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code === 'ENOENT') return { records: [], problems: [] };
      throw new ValidationError(
        `${this.displayDir}: cannot read history folder: ${(error as Error).message}`,
      );
    }
    names.sort();
    const records: RunRecord[] = [];
    const problems: HistoryProblem[] = [];
    await forEachBounded(names, READ_CONCURRENCY, async (name) => {
      const result = await this.readRecordFile(name);
      if ('record' in result) records.push(result.record);
      else problems.push(result.problem);
    });
    records.sort(newestFirst);
    problems.sort((a, b) => a.file.localeCompare(b.file));
    const limit = options.limit;
    return { records: limit === undefined ? records : records.slice(0, limit), problems };
  }

  async get(hash: string): Promise<RunRecord> {
    if (!/^[0-9a-f]{64}$/.test(hash))
      throw new ValidationError(`hash: expected 64 hex characters, got ${hash}`);
    const result = await this.readRecordFile(`${hash}.json`);
    if ('record' in result) return result.record;
    if (result.problem.reason === 'not found') {
      throw new NotFoundError(`${result.problem.file}: no run with hash ${hash}`, result.problem.file);
    }
    throw new ValidationError(`${result.problem.file}: ${result.problem.reason}`, result.problem.file);
  }

  async remove(hash: string): Promise<void> {
    if (!/^[0-9a-f]{64}$/.test(hash))
      throw new ValidationError(`hash: expected 64 hex characters, got ${hash}`);
    await rm(path.join(this.dir, `${hash}.json`), { force: true });
  }

  private async readRecordFile(name: string): Promise<{ record: RunRecord } | { problem: HistoryProblem }> {
    const file = path.posix.join(this.displayDir, name);
    let text: string;
    try {
      text = await readFile(path.join(this.dir, name), 'utf8');
    } catch (error) {
      const code = (error as NodeJS.ErrnoException).code;
      return {
        problem: { file, reason: code === 'ENOENT' ? 'not found' : `unreadable (${code ?? 'error'})` },
      };
    }
    let data: unknown;
    try {
      data = JSON.parse(text);
    } catch {
      return { problem: { file, reason: 'not valid JSON' } };
    }
    const parsed = runRecordSchema.safeParse(data);
    if (!parsed.success) {
      const issue = parsed.error.issues[0]!;
      return {
        problem: { file, reason: `not a run record: ${issue.path.join('.') || '(root)'}: ${issue.message}` },
      };
    }
    if (!HASH_FILE.test(name)) return { problem: { file, reason: 'file name is not <hash>.json' } };
    return { record: parsed.data };
  }
}

/** `commit` and `abort` of a record with nothing left to publish or drop. */
const noop = async () => {};

/** A record staged at `pending`: `commit` renames it to `target`, `abort` removes it; either then calls `settle`. */
function staged(file: string, pending: string, target: string, settle: () => void): StagedRecord {
  return {
    file,
    created: true,
    // Rename is atomic: readers see the whole record under its final name or nothing.
    // Synchronous: a rename is a few microseconds in the kernel, less than a trip through the thread pool.
    commit: async () => {
      try {
        renameSync(pending, target);
      } finally {
        settle();
      }
    },
    abort: () => rm(pending, { force: true }).finally(settle),
  };
}

/** True when `file` holds a whole, valid run record with this hash, matching its content. */
async function holdsRecord(file: string, hash: string): Promise<boolean> {
  try {
    const parsed = runRecordSchema.safeParse(JSON.parse(await readFile(file, 'utf8')));
    return parsed.success && parsed.data.hash === hash && verifyRecordHash(parsed.data);
  } catch {
    return false;
  }
}

async function olderThan(file: string, ms: number): Promise<boolean> {
  const info = await stat(file).catch(() => undefined);
  return info !== undefined && Date.now() - info.mtimeMs > ms;
}

/**
 * True when the process that staged `file` is gone: not one of this
 * process's in-flight files, and either too old to be in flight, or from
 * this host with a pid that is dead or is this process's own (a previous
 * incarnation, e.g. pid 1 in a restarted container). A file from another
 * host is judged by age only.
 */
async function isOrphan(file: string, host: string, pid: number): Promise<boolean> {
  if (inFlight.has(file)) return false;
  const info = await stat(file).catch(() => undefined);
  if (!info) return false;
  if (Date.now() - info.mtimeMs > PENDING_ORPHAN_MS) return true;
  if (host !== HOST_TAG) return false;
  return pid === process.pid || !isAlive(pid);
}

function newestFirst(a: RunRecord, b: RunRecord): number {
  if (a.captured_at !== b.captured_at) return a.captured_at < b.captured_at ? 1 : -1;
  return a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0;
}

/** Runs `fn` over `items` with at most `limit` in flight. */
export async function forEachBounded<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>) {
  let next = 0;
  const workers = Array.from({ length: Math.min(limit, items.length) }, async () => {
    while (next < items.length) {
      const item = items[next++] as T;
      await fn(item);
    }
  });
  await Promise.all(workers);
}
