import { Worker } from 'node:worker_threads';
import { TEMP_PREFIX } from './atomic-write.js';

/** Writes whole files atomically and durably; `writeFileAtomic` is the default one. */
export interface FileWriter {
  write(target: string, data: string): Promise<void>;
  /**
   * Writes a file in place, durably but not atomically, as `writeFileInPlace`
   * does: for files that something else commits (staged run records).
   * Writers without it are asked to `write` instead.
   */
  writeInPlace?(target: string, data: string): Promise<void>;
}

/**
 * The worker: writes each file as `writeFileAtomic` does (temp file in the
 * same folder, fsync, rename) or, for in-place writes, as `writeFileInPlace`
 * does (the file itself, fsynced with its folder), in batches of whatever
 * arrived meanwhile: creates and writes the batch's files, fsyncs them all
 * at once together with the folders of the in-place ones, renames the temp
 * files, then fsyncs each of their folders once and reports.
 */
const WORKER_SOURCE = `
const { parentPort } = require('node:worker_threads');
const fs = require('node:fs');
const path = require('node:path');
const { randomBytes } = require('node:crypto');
const prefix = ${JSON.stringify(TEMP_PREFIX)};
const nonce = randomBytes(6).toString('hex');
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
async function run() {
  const writes = queue;
  queue = [];
  const done = [];
  const failed = [];
  const fail = (id, error) => failed.push({ id, message: String(error && error.message), code: error && error.code });
  // Files are created and written one after another; their fsyncs then run together.
  const files = [];
  const inPlaceDirs = new Set();
  for (const { id, target, data, inPlace } of writes) {
    const dir = path.dirname(target);
    // An in-place write's "temp" file is its target: on failure it is removed all the same.
    const temp = inPlace ? target : path.join(dir, prefix + path.basename(target) + '.' + process.pid + '.' + nonce + (counter++).toString(36));
    let fd;
    try {
      fd = openCreating(temp, dir, inPlace ? 'w' : 'wx');
      fs.writeFileSync(fd, data);
      files.push({ id, target, dir, temp, fd, inPlace });
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
  for (const [i, file] of files.entries()) {
    if (synced[i].status === 'rejected') {
      dropTemp(file);
      fail(file.id, synced[i].reason);
      continue;
    }
    try {
      fs.closeSync(file.fd);
      if (!file.inPlace) {
        fs.renameSync(file.temp, file.target);
        dirs.add(file.dir);
      }
      done.push(file.id);
    } catch (error) {
      removeQuietly(file.temp);
      fail(file.id, error);
    }
  }
  await Promise.all([...dirs].map(syncFolder));
  parentPort.postMessage({ done, failed });
}
// As fsyncFolder in atomic-write.ts. Some file systems refuse fsync on a folder; renames and new names are still made.
async function syncFolder(dir) {
  let fd;
  try {
    fd = fs.openSync(dir, 'r');
    await fsync(fd);
  } catch {
  } finally {
    if (fd !== undefined) try { fs.closeSync(fd); } catch {}
  }
}
`;

interface Waiting {
  resolve: () => void;
  reject: (error: Error) => void;
}

/**
 * A `FileWriter` that does its file system work on a worker thread: for a
 * busy server, whose every request writes a record. Each file is written as
 * `writeFileAtomic` writes it (temp file, fsync, rename, folder fsync), but
 * the creation, the fsyncs and the renames leave the main thread, which only
 * posts the bytes: through the thread pool each of them was a round trip
 * that waited behind other file work. Writes that arrive while the worker
 * is busy go out as one batch: their fsyncs run together, with one fsync
 * per folder. The worker starts on the first write and keeps the process
 * alive only while writes are pending.
 */
export class ThreadedFileWriter implements FileWriter {
  private worker: Worker | undefined;
  private nextId = 1;
  private readonly waiting = new Map<number, Waiting>();
  private idle: (() => void)[] = [];
  private outbox: { id: number; target: string; data: string; inPlace: boolean }[] = [];

  write(target: string, data: string): Promise<void> {
    return this.enqueue(target, data, false);
  }

  writeInPlace(target: string, data: string): Promise<void> {
    return this.enqueue(target, data, true);
  }

  private enqueue(target: string, data: string, inPlace: boolean): Promise<void> {
    return new Promise<void>((resolve, reject) => {
      const id = this.nextId++;
      this.waiting.set(id, { resolve, reject });
      // Writes asked for in one turn of the event loop (requests whose bodies arrived together) go as one message.
      this.outbox.push({ id, target, data, inPlace });
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

  /** Resolves when every write started so far has finished, then stops the worker. */
  async close(): Promise<void> {
    if (this.waiting.size > 0) await new Promise<void>((resolve) => this.idle.push(resolve));
    const worker = this.worker;
    this.worker = undefined;
    await worker?.terminate();
  }

  private start(): Worker {
    if (this.worker) return this.worker;
    // No inherited flags: `--input-type=module` would make the CommonJS source an ES module.
    const worker = new Worker(WORKER_SOURCE, { eval: true, execArgv: [] });
    worker.on(
      'message',
      ({ done, failed }: { done: number[]; failed: { id: number; message: string; code?: string }[] }) => {
        for (const id of done) this.settle(id)?.resolve();
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
