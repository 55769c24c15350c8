import { randomBytes } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { promisify } from 'node:util';

/** Temp files start with this prefix; readers skip them. */
export const TEMP_PREFIX = '.sdetkit-tmp-';

/**
 * Chunks up to this size are written with a synchronous call, larger ones
 * asynchronously. Small writes, closing and renaming take a few microseconds
 * in the kernel, far less than handing each to libuv's thread pool and
 * waking this thread again (measured on 2 cores: an append of a 150-byte
 * line, 3-6 µs synchronously vs 29-43 µs through fs/promises). Creating the
 * temp file stays asynchronous: a new inode can wait for the file system's
 * journal while other writes are being fsynced (measured: ~200 µs per
 * synchronous create in the server under load). fsync, which waits for the
 * disk, and large writes leave this thread too.
 */
const SYNC_WRITE_LIMIT = 64 * 1024;

/** fsync through the thread pool. Looks `fs.fsync` up on each call (not bound once) so tests can count fsyncs. */
export const fsyncFd = (fd: number) =>
  new Promise<void>((resolve, reject) => fs.fsync(fd, (error) => (error ? reject(error) : resolve())));
const openFd = promisify(fs.open);
const writeFd = promisify(fs.writeFile);

/**
 * Writes a file so a reader never sees a half-written one under its final
 * name: write a temp file in the same folder, fsync it, rename it over the
 * target, fsync the folder. A crash leaves at most a `.sdetkit-tmp-*` file.
 * `data` may be a list of chunks, written in order. `durable: false` skips
 * both fsyncs, for state that may be a little old after a machine crash but
 * must never be torn (rate-limit buckets).
 */
export async function writeFileAtomic(
  target: string,
  data: string | Uint8Array | readonly (string | Uint8Array)[],
  options: { durable?: boolean } = {},
): Promise<void> {
  const durable = options.durable ?? true;
  const dir = path.dirname(target);
  const temp = path.join(
    dir,
    `${TEMP_PREFIX}${path.basename(target)}.${process.pid}.${randomBytes(6).toString('hex')}`,
  );
  const fd = await openCreatingFd(temp, 'wx', 0o644);
  try {
    // Chunks are written one after another, never joined: a large file is not held twice in memory.
    for (const chunk of typeof data === 'string' || data instanceof Uint8Array ? [data] : data) {
      const size = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
      if (size <= SYNC_WRITE_LIMIT) fs.writeFileSync(fd, chunk);
      else await writeFd(fd, chunk);
    }
    if (durable) await fsyncFd(fd);
  } catch (error) {
    closeQuietly(fd);
    fs.rmSync(temp, { force: true });
    throw error;
  }
  fs.closeSync(fd);
  try {
    fs.renameSync(temp, target);
  } catch (error) {
    fs.rmSync(temp, { force: true });
    throw error;
  }
  if (durable) await syncDirectory(dir);
}

/**
 * Writes `data` straight into `target` (created, or truncated if there) and
 * fsyncs the file and its folder at the same time: once it resolves, the
 * file and its name are on disk. Not atomic: a crash or a failed write can
 * leave part of the file (a failed write removes it). Only for files that
 * nothing uses until something else commits them, such as a staged run
 * record, which its ledger entry publishes: one round of fsyncs instead of
 * `writeFileAtomic`'s two (the temp file, then the folder after the rename).
 */
export async function writeFileInPlace(target: string, data: string): Promise<void> {
  const fd = await openCreatingFd(target, 'w', 0o644);
  try {
    if (Buffer.byteLength(data) <= SYNC_WRITE_LIMIT) fs.writeFileSync(fd, data);
    else await writeFd(fd, data);
    await Promise.all([fsyncFd(fd), syncDirectory(path.dirname(target))]);
  } catch (error) {
    closeQuietly(fd);
    fs.rmSync(target, { force: true });
    throw error;
  }
  fs.closeSync(fd);
}

/** fsyncs running (`running`) and the one queued behind each (`next`), by path. */
const sharedSyncs = new Map<string, { running: Promise<void>; next: Promise<void> | undefined }>();

/**
 * fsyncs a path (opened read-only) on behalf of every caller that asks while
 * one runs: a call made while one runs waits for the next one, which starts
 * when the running one ends and serves everyone who asked in between (an
 * fsync only covers what happened before it started).
 */
function sharedFsync(target: string, fsyncPath: (target: string) => Promise<void>): Promise<void> {
  const state = sharedSyncs.get(target);
  if (!state) {
    const fresh: { running: Promise<void>; next: Promise<void> | undefined } = {
      running: fsyncPath(target).finally(() => {
        if (fresh.next === undefined) sharedSyncs.delete(target);
      }),
      next: undefined,
    };
    sharedSyncs.set(target, fresh);
    return fresh.running;
  }
  state.next ??= state.running
    .catch(() => {})
    .then(() => {
      const next = state.next as Promise<void>;
      state.running = next;
      state.next = undefined;
      return fsyncPath(target);
    })
    .finally(() => {
      if (sharedSyncs.get(target) === state && state.next === undefined) sharedSyncs.delete(target);
    });
  return state.next;
}

/**
 * fsyncs a folder, so a rename or a new file in it survives a crash.
 * Concurrent callers share fsyncs (see `sharedFsync`).
 */
export function syncDirectory(dir: string): Promise<void> {
  return sharedFsync(dir, fsyncFolder);
}

/**
 * fsyncs a file's written data, shared between concurrent callers like
 * `syncDirectory`: a ledger's appends made while one fsync runs are made
 * durable together by the next. Errors (EIO, ENOSPC) reach every caller.
 */
export function syncFile(file: string): Promise<void> {
  return sharedFsync(file, fsyncFile);
}

async function fsyncFile(file: string): Promise<void> {
  const fd = fs.openSync(file, 'r');
  try {
    await fsyncFd(fd);
  } finally {
    closeQuietly(fd);
  }
}

async function fsyncFolder(dir: string): Promise<void> {
  let fd: number | undefined;
  try {
    fd = fs.openSync(dir, 'r');
    await fsyncFd(fd);
  } catch {
    // Some file systems refuse fsync on a directory; the rename is still atomic.
  } finally {
    if (fd !== undefined) closeQuietly(fd);
  }
}

function closeQuietly(fd: number): void {
  try {
    fs.closeSync(fd);
  } catch {}
}

/** `openCreatingSync` through the thread pool. */
async function openCreatingFd(file: string, flags: string, mode: number): Promise<number> {
  try {
    return await openFd(file, flags, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    await fs.promises.mkdir(path.dirname(file), { recursive: true });
    return openFd(file, flags, mode);
  }
}

/**
 * Appends `text` to `fd` (opened for appending) with one write call: with
 * O_APPEND, concurrent appenders never interleave within it. A short write
 * of a regular file only happens when the disk is full; it is an error.
 */
export function appendWholeSync(fd: number, text: string, file: string): void {
  if (fs.writeSync(fd, text) !== Buffer.byteLength(text))
    throw new Error(`${file}: short append (disk full?)`);
}

/** Opens a file (a descriptor), creating its folder only when it is missing (saves a mkdir per write on hot paths). */
export function openCreatingSync(file: string, flags: string, mode?: number): number {
  try {
    return fs.openSync(file, flags, mode);
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'ENOENT') throw error;
    fs.mkdirSync(path.dirname(file), { recursive: true });
    return fs.openSync(file, flags, mode);
  }
}
