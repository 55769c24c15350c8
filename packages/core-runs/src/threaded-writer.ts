import { Worker } from 'node:worker_threads';
import { TEMP_PREFIX } from './atomic-write.js';
import { dropThreadLockToken, type ThreadLockToken, threadLockToken } from './file-lock.js';
import { type LedgerEntry, type LedgerKind, type LedgerLocation, lastLineWith } from './ledger.js';

/** Writes whole files atomically and durably; `writeFileAtomic` is the default one. */
export interface FileWriter {
  write(target: string, data: string): Promise<void>;
  /**
   * Writes a file in place, durably but not atomically, as `writeFileInPlace`
   * does: for files that something else commits (staged run records).
   * Writers without it are asked to `write` instead.
   */
  writeInPlace?(target: string, data: string): Promise<void>;
  /**
   * Saves a run record the way `recordRun` does, in one step where the
   * writer can (see `ThreadedFileWriter.writeRecord`). Writers without it
   * stage the record and leave the ledger entry and the commit to the caller.
   */
  writeRecord?(write: RecordWrite): Promise<RecordWriteResult>;
}

/** A run record to stage, log in its ledger and publish. */
export interface RecordWrite {
  /** Where the record is staged: written in place and fsynced with its folder. */
  pending: string;
  /** Its published name (`history/<hash>.json`). */
  target: string;
  data: string;
  entry: { kind: LedgerKind; hash: string; captured_at: string };
  ledger: LedgerLocation;
}

/**
 * - `present`: these exact bytes are already published; nothing was written.
 * - `published`: staged, its ledger entry written and durable, then renamed to `target`.
 * - `staged`: staged and durable, but the ledger's lock was taken (another
 *   process appending): the caller appends the entry and publishes the record.
 */
export type RecordWriteResult =
  | { state: 'present' }
  | { state: 'published'; entry: LedgerEntry }
  | { state: 'staged' };

/**
 * The worker: writes each file as `writeFileAtomic` does (temp file in the
 * same folder, fsync, rename) or, for in-place writes, as `writeFileInPlace`
 * does (the file itself, fsynced with its folder), in batches of whatever
 * arrived meanwhile: creates and writes the batch's files, fsyncs them all
 * at once together with the folders of the in-place ones, renames the temp
 * files, then fsyncs each of their folders once. Run records (`writeRecord`)
 * are staged in place like that; once durable, each ledger's entries for the
 * batch are appended under its lock (one write), the ledgers are fsynced
 * with those folders, and then the records are renamed to their published
 * names. Then it reports.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const crypto = require('node:crypto');
const prefix = ${JSON.stringify(TEMP_PREFIX)};
const GENESIS = '0'.repeat(64);
const nonce = crypto.randomBytes(6).toString('hex');
let counter = 0;
let queue = [];
let busy = false;
parentPort.on('message', (writes) => {
  for (const write of writes) queue.push(write);
  start();
});
function start() {
  if (busy || queue.length === 0) return;
  busy = true;
  setImmediate(() => run().finally(() => { busy = false; start(); }));
}
const fsync = (fd) => new Promise((resolve, reject) => fs.fsync(fd, (error) => (error ? reject(error) : resolve())));
// As openCreatingSync in atomic-write.ts (this source runs in the worker and cannot import it).
function openCreating(file, dir, flags) {
  try {
    return fs.openSync(file, flags, 0o644);
  } catch (error) {
    if (error.code !== 'ENOENT') throw error;
    fs.mkdirSync(dir, { recursive: true });
    return fs.openSync(file, flags, 0o644);
  }
}
// Cleaning up after a failed write never throws: the write's own error is what gets reported.
function dropTemp(file) {
  try { fs.closeSync(file.fd); } catch {}
  removeQuietly(file.temp);
}
function removeQuietly(file) {
  try { fs.rmSync(file, { force: true }); } catch {}
}
// As FileHistoryStore.locate: exactly these bytes already published.
function isPublished(target, data) {
  try {
    return fs.statSync(target, { throwIfNoEntry: false })?.isFile() === true && fs.readFileSync(target, 'utf8') === data;
  } catch {
    return false;
  }
}
async function run() {
  const writes = queue;
  queue = [];
  const done = [];
  const failed = [];
  const fail = (id, error) => failed.push({ id, message: String(error && error.message), code: error && error.code });
  // Files are created and written one after another; their fsyncs then run together.
  const files = [];
  const inPlaceDirs = new Set();
  for (const write of writes) {
    const { id, target, data, record } = write;
    if (record && isPublished(target, data)) {
      done.push({ id, result: { state: 'present' } });
      continue;
    }
    // A record is staged in place at its pending name; an in-place write's "temp" file is its target.
    const inPlace = write.inPlace || record !== undefined;
    const file = record ? record.pending : target;
    const dir = path.dirname(file);
    const temp = inPlace ? file : path.join(dir, prefix + path.basename(target) + '.' + process.pid + '.' + nonce + (counter++).toString(36));
    let fd;
    try {
      fd = openCreating(temp, dir, inPlace ? 'w' : 'wx');
      fs.writeFileSync(fd, data);
      files.push({ id, target, dir, temp, fd, inPlace, record });
      if (inPlace) inPlaceDirs.add(dir);
    } catch (error) {
      if (fd !== undefined) dropTemp({ fd, temp });
      fail(id, error);
    }
  }
  // The in-place files' folders are fsynced with the files: their names were created above.
  const [synced] = await Promise.all([
    Promise.allSettled(files.map((file) => fsync(file.fd))),
    Promise.all([...inPlaceDirs].map(syncFolder)),
  ]);
  const dirs = new Set();
  // Staged records by ledger, in arrival order: each ledger's entries go in one append.
  const ledgers = new Map();
  for (const [i, file] of files.entries()) {
    if (synced[i].status === 'rejected') {
      dropTemp(file);
      fail(file.id, synced[i].reason);
      continue;
    }
    try {
      fs.closeSync(file.fd);
      if (file.record) {
        const key = file.record.ledger.file;
        if (!ledgers.has(key)) ledgers.set(key, { ledger: file.record.ledger, token: file.record.token, files: [] });
        ledgers.get(key).files.push(file);
        continue;
      }
      if (!file.inPlace) {
        fs.renameSync(file.temp, file.target);
        dirs.add(file.dir);
      }
      done.push({ id: file.id });
    } catch (error) {
      removeQuietly(file.temp);
      fail(file.id, error);
    }
  }
  const appended = [];
  for (const group of ledgers.values()) {
    if (!takeLock(group.token)) {
      // Another process is appending: the main thread's lock waits for it (and takes over from dead ones).
      for (const file of group.files) done.push({ id: file.id, result: { state: 'staged' } });
      continue;
    }
    try {
      group.entries = appendEntries(group.ledger.file, group.files.map((file) => file.record.entry));
      appended.push(group);
    } catch (error) {
      for (const file of group.files) {
        removeQuietly(file.temp);
        fail(file.id, error);
      }
    } finally {
      releaseLock(group.token);
    }
  }
  const [ledgersSynced] = await Promise.all([
    Promise.allSettled(appended.map((group) => syncPath(group.ledger.file))),
    Promise.all([...dirs].map(syncFolder)),
  ]);
  for (const [i, group] of appended.entries()) {
    for (const [j, file] of group.files.entries()) {
      if (ledgersSynced[i].status === 'rejected') {
        removeQuietly(file.temp);
        fail(file.id, ledgersSynced[i].reason);
        continue;
      }
      // The entry is durable: publishing is the commit. A failed rename leaves the staged
      // record, which recovery publishes since its entry exists.
      try {
        fs.renameSync(file.temp, file.target);
        done.push({ id: file.id, result: { state: 'published', entry: group.entries[j] } });
      } catch (error) {
        fail(file.id, error);
      }
    }
  }
  parentPort.postMessage({ done, failed });
}
// As withFileLock's fast path in file-lock.ts: the token file, linked as the lock. A lock that
// is there, or a file system without hard links, is left to the main thread.
const writtenTokens = new Set();
function takeLock(token) {
  for (let attempt = 0; attempt < 2; attempt++) {
    try {
      if (!writtenTokens.has(token.temp)) {
        fs.writeFileSync(token.temp, token.content);
        writtenTokens.add(token.temp);
      }
      fs.linkSync(token.temp, token.lockPath);
      return true;
    } catch (error) {
      // The token file removed meanwhile: write it again, once.
      if (error.code !== 'ENOENT') return false;
      writtenTokens.delete(token.temp);
    }
  }
  return false;
}
function releaseLock(token) {
  try {
    if (fs.readFileSync(token.lockPath, 'utf8') === token.content) fs.unlinkSync(token.lockPath);
  } catch {}
}
// As Ledger.writeLocked in ledger.ts: chained to the last entry, one O_APPEND write of whole lines.
// The keys are written sorted, so JSON.stringify gives the canonical JSON entryDigest hashes.
function appendEntries(file, records) {
  const last = lastLineWith(fs, file);
  let seq = 1;
  let prev = GENESIS;
  if (last) {
    const parsed = JSON.parse(last);
    seq = parsed.seq + 1;
    prev = parsed.digest;
  }
  const entries = [];
  let text = '';
  for (const { kind, hash, captured_at } of records) {
    const body = { captured_at, hash, kind, prev, seq: seq++ };
    const digest = crypto.hash('sha256', JSON.stringify(body), 'hex');
    const entry = { captured_at, digest, hash, kind, prev, seq: body.seq };
    text += JSON.stringify(entry) + '\\n';
    entries.push(entry);
    prev = digest;
  }
  const fd = openCreating(file, path.dirname(file), 'a');
  try {
    if (fs.writeSync(fd, text) !== Buffer.byteLength(text)) throw new Error(file + ': short append (disk full?)');
  } finally {
    fs.closeSync(fd);
  }
  return entries;
}
// The ledger's own lastLineWith (ledger.ts), from its source text (which a coverage tool that
// rewrites source, such as istanbul, would break; V8's coverage leaves it as it is).
const lastLineWith = (${lastLineWith.toString()});
async function syncPath(file) {
  const fd = fs.openSync(file, 'r');
  try {
    await fsync(fd);
  } finally {
    try { fs.closeSync(fd); } catch {}
  }
}
// As fsyncFolder in atomic-write.ts. Some file systems refuse fsync on a folder; renames and new names are still made.
function syncFolder(dir) {
  return syncPath(dir).catch(() => {});
}
`;

/** What a `ThreadedFileWriter` has done since it was made. */
export interface WriterStats {
  /** Batches its thread wrote (each one round of fsyncs). */
  batches: number;
  /** Run records it staged, logged and published itself. */
  recordsPublished: number;
  /** Run records it left staged because another process held the ledger's lock (logged by the caller). */
  recordsLeftStaged: number;
}

interface Waiting {
  resolve: (result: RecordWriteResult | undefined) => void;
  reject: (error: Error) => void;
}

/** One write as posted to the worker. */
interface PostedWrite {
  id: number;
  target: string;
  data: string;
  inPlace: boolean;
  record?: Omit<RecordWrite, 'target' | 'data'> & { token: ThreadLockToken };
}

/**
 * A `FileWriter` that does its file system work on a worker thread: for a
 * busy server, whose every request writes a record. Each file is written as
 * `writeFileAtomic` writes it (temp file, fsync, rename, folder fsync), but
 * the creation, the fsyncs and the renames leave the main thread, which only
 * posts the bytes: through the thread pool each of them was a round trip
 * that waited behind other file work. Writes that arrive while the worker
 * is busy go out as one batch: their fsyncs run together, with one fsync
 * per folder. Run records go further (`writeRecord`): their ledger entries
 * are appended on the worker too. The worker starts on the first write and
 * keeps the process alive only while writes are pending.
 */
export class ThreadedFileWriter implements FileWriter {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private idle: (() => void)[] = [];
  private outbox: PostedWrite[] = [];
  /** The worker's lock tokens, by ledger lock path. */
  private readonly tokens = new Map<string, ThreadLockToken>();
  private readonly counts: WriterStats = { batches: 0, recordsPublished: 0, recordsLeftStaged: 0 };

  /** Counts of what it has done, for a server's metrics. */
  stats(): WriterStats {
    return { ...this.counts };
  }

  async write(target: string, data: string): Promise<void> {
    await this.enqueue({ target, data, inPlace: false });
  }

  async writeInPlace(target: string, data: string): Promise<void> {
    await this.enqueue({ target, data, inPlace: true });
  }

  /**
   * Stages, logs and publishes a run record on the worker thread, in the
   * order `recordRun` does it: the record is written at `pending` and
   * fsynced with its folder; then its entry is appended to the ledger under
   * the ledger's lock and fsynced; then the record is renamed to `target`.
   * A kill at any point leaves what `recoverPending` finishes. When the lock
   * is taken (another process is appending), the record is left staged for
   * the caller (`staged`). Nothing is written when the same bytes are
   * already published (`present`). The caller must not have two writes of
   * one `pending` path in flight.
   */
  async writeRecord(write: RecordWrite): Promise<RecordWriteResult> {
    const { target, data, ...record } = write;
    let token = this.tokens.get(record.ledger.lockFile);
    if (!token) {
      token = threadLockToken(record.ledger.lockFile);
      this.tokens.set(record.ledger.lockFile, token);
    }
    return (await this.enqueue({ target, data, inPlace: false, record: { ...record, token } }))!;
  }

  private enqueue(write: Omit<PostedWrite, 'id'>): Promise<RecordWriteResult | undefined> {
    return new Promise((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      // Writes asked for in one turn of the event loop (requests whose bodies arrived together) go as one message.
      this.outbox.push({ id, ...write });
      if (this.outbox.length === 1) setImmediate(() => this.post());
    });
  }

  private post(): void {
    const writes = this.outbox;
    this.outbox = [];
    if (writes.length === 0) return;
    const worker = this.start();
    worker.ref();
    worker.postMessage(writes);
  }

  /** Resolves when every write started so far has finished, then stops the worker and drops its lock tokens. */
  async close(): Promise<void> {
    if (this.waiting.size > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
    for (const token of this.takeTokens()) dropThreadLockToken(token);
  }

  /** The worker's tokens, which the next worker will not use: it gets new ones. */
  private takeTokens(): ThreadLockToken[] {
    const tokens = [...this.tokens.values()];
    this.tokens.clear();
    return tokens;
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    // No inherited flags: `--input-type=module` would make the CommonJS source an ES module.
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    worker.on(
      'message',
      ({
        done,
        failed,
      }: {
        done: { id: number; result?: RecordWriteResult }[];
        failed: { id: number; message: string; code?: string }[];
      }) => {
        this.counts.batches++;
        for (const { id, result } of done) {
          if (result?.state === 'published') this.counts.recordsPublished++;
          else if (result?.state === 'staged') this.counts.recordsLeftStaged++;
          this.settle(id)?.resolve(result);
        }
        for (const { id, message, code } of failed)
          this.settle(id)?.reject(Object.assign(new Error(message), code === undefined ? {} : { code }));
        if (this.waiting.size === 0) this.becameIdle(worker);
      },
    );
    // A worker that dies (it should not) fails what it held; the next write starts a new one.
    const fail = (error: Error) => {
      if (this.worker === worker) this.worker = undefined;
      for (const [id, waiting] of this.waiting) {
        this.waiting.delete(id);
        waiting.reject(new Error(`file writer thread stopped: ${error.message}`));
      }
      // Writes not posted yet were failed too: they are not made after all.
      this.outbox = [];
      // A ledger lock the dead thread held is released with its tokens.
      const tokens = this.takeTokens();
      void worker.terminate().finally(() => {
        for (const token of tokens) dropThreadLockToken(token);
      });
      this.becameIdle(undefined);
    };
    worker.on('error', fail);
    worker.on('exit', (code) => {
      if (this.waiting.size > 0) fail(new Error(`exit code ${code}`));
    });
    this.worker = worker;
    return worker;
  }

  private settle(id: number): Waiting | undefined {
    const waiting = this.waiting.get(id);
    this.waiting.delete(id);
    return waiting;
  }

  private becameIdle(worker: Worker | undefined): void {
    worker?.unref();
    const idle = this.idle;
    this.idle = [];
    for (const resolve of idle) resolve();
  }
}
