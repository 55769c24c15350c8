import { randomBytes } from 'node:crypto';
import { linkSync, readFileSync, rmSync } from 'node:fs';
import { open, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TEMP_PREFIX } from './atomic-write.js';
import { HOST_TAG, isAlive } from './process-alive.js';

export interface LockOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** A lock file older than this is left over from a crash and is removed (default 30 s). */
  staleMs?: number;
  /**
   * Keep this process's token file (the file linked as the lock) between
   * acquisitions instead of writing and deleting one each time: for a
   * process that takes the same lock many times a second (a server's
   * ledger). The token goes when the process exits, or with `dropLockToken`.
   */
  keepToken?: boolean;
}

/**
 * Runs `fn` while holding an exclusive lock file (created with O_EXCL, so it
 * works across processes on one machine). The file holds `<pid> <nonce>
 * <host tag>`; a lock whose process on this host is gone (killed mid-write)
 * is taken over at once, and any lock older than `staleMs` is treated as
 * left over (the only rule for holders on other hosts or containers).
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  if (!options.keepToken) return lockAndRun(lockPath, fn, options, newToken(lockPath), undefined);
  // Acquisitions with a kept token share its nonce, so in this process they take turns.
  const kept = keptToken(lockPath);
  kept.users++;
  const previous = kept.turn;
  let done = () => {};
  kept.turn = new Promise<void>((resolve) => {
    done = resolve;
  });
  try {
    await previous;
    return await lockAndRun(lockPath, fn, options, kept, kept);
  } finally {
    kept.users--;
    done();
  }
}

async function lockAndRun<T>(
  lockPath: string,
  fn: () => Promise<T>,
  options: LockOptions,
  { nonce, content: mine, temp }: Token,
  kept: KeptToken | undefined,
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const staleMs = options.staleMs ?? 30_000;
  // The lock appears with its content already in it (hard link of a written
  // temp file, the token), so a holder killed at any point leaves a pid to judge by.
  if (!kept?.written) {
    await writeFile(temp, mine);
    if (kept) kept.written = true;
  }
  // Registered before the lock can exist, so another waiter in this process never takes it for dead.
  held.add(nonce);
  let delay = 2;
  let acquired = false;
  try {
    for (;;) {
      try {
        await createWithContent(temp, lockPath, mine);
        acquired = true;
        break;
      } catch (error) {
        const code = (error as NodeJS.ErrnoException).code;
        // A kept token removed meanwhile (by hand, or by a cleanup): write it again.
        if (code === 'ENOENT' && kept) {
          await writeFile(temp, mine);
          continue;
        }
        if (code !== 'EEXIST') throw error;
        if (await isStale(lockPath, staleMs)) continue;
        if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${lockPath}`);
        await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
        delay = Math.min(delay * 2, 50);
      }
    }
  } finally {
    if (!acquired) held.delete(nonce);
    if (!kept) await rm(temp, { force: true });
  }
  try {
    return await fn();
  } finally {
    // Only remove the lock if it is still ours; it counts as held until it is gone.
    if (readIfThere(lockPath) === mine) rmSync(lockPath, { force: true });
    held.delete(nonce);
  }
}

function readIfThere(file: string): string | undefined {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return undefined;
  }
}

/** Nonces of the locks this process holds right now. */
const held = new Set<string>();

export interface Token {
  nonce: string;
  /** `<pid> <nonce> <host tag>\n`: what the lock file holds while this token holds it. */
  content: string;
  temp: string;
}

function newToken(lockPath: string): Token {
  const nonce = randomBytes(8).toString('hex');
  return {
    nonce,
    content: `${process.pid} ${nonce} ${HOST_TAG}\n`,
    temp: tempLockPath(lockPath, process.pid, nonce),
  };
}

/**
 * A kept token (`keepToken`): whether its file was written; `turn` settles
 * when the last acquisition started is done; `users` counts acquisitions
 * running or waiting.
 */
type KeptToken = Token & { written: boolean; turn: Promise<void>; users: number };

/** Tokens kept between acquisitions, by lock path. */
const keptTokens = new Map<string, KeptToken>();

function keptToken(lockPath: string): KeptToken {
  let token = keptTokens.get(lockPath);
  if (!token) {
    if (keptTokens.size === 0) process.once('exit', dropAllLockTokens);
    token = { ...newToken(lockPath), written: false, turn: Promise.resolve(), users: 0 };
    keptTokens.set(lockPath, token);
  }
  return token;
}

/**
 * Removes this process's kept token for `lockPath` (see `keepToken`), unless
 * an acquisition is running or waiting; a later acquisition makes a new one.
 */
export function dropLockToken(lockPath: string): void {
  const token = keptTokens.get(lockPath);
  if (!token || token.users > 0) return;
  keptTokens.delete(lockPath);
  if (keptTokens.size === 0) process.removeListener('exit', dropAllLockTokens);
  rmSync(token.temp, { force: true });
}

function dropAllLockTokens(): void {
  for (const token of keptTokens.values()) rmSync(token.temp, { force: true });
  keptTokens.clear();
}

/**
 * What another thread of this process needs to take a lock itself: the lock,
 * and a token whose file (`temp`) it writes (`content`) before its first link.
 */
export interface ThreadLockToken extends Token {
  lockPath: string;
}

/** Thread tokens in use, removed at exit like kept tokens. */
const threadTokens = new Set<ThreadLockToken>();

/**
 * A token for another thread of this process (the server's file writer
 * thread) to take the lock at `lockPath` on its own, by linking the token
 * file as the lock, as `withFileLock` does. Its nonce counts as held for as
 * long as the token lives: this process never takes that thread's lock for
 * a dead holder's (its pid is this process's), and other processes judge it
 * by the pid like any other. Only the fast path runs on the other thread: a
 * lock it finds taken is left to `withFileLock` here, which waits, and takes
 * over what dead processes left. `dropThreadLockToken` removes it.
 */
export function threadLockToken(lockPath: string): ThreadLockToken {
  const token = { ...newToken(lockPath), lockPath };
  if (threadTokens.size === 0) process.once('exit', dropAllThreadTokens);
  threadTokens.add(token);
  held.add(token.nonce);
  return token;
}

/**
 * Removes a thread token, once its thread is stopped: its file, and the
 * lock itself if the thread stopped holding it (a thread that died
 * mid-append).
 */
export function dropThreadLockToken(token: ThreadLockToken): void {
  if (!threadTokens.delete(token)) return;
  if (threadTokens.size === 0) process.removeListener('exit', dropAllThreadTokens);
  if (readIfThere(token.lockPath) === token.content) rmSync(token.lockPath, { force: true });
  rmSync(token.temp, { force: true });
  held.delete(token.nonce);
}

function dropAllThreadTokens(): void {
  for (const token of [...threadTokens]) dropThreadLockToken(token);
}

/**
 * Removes the token files of `lockPath` that processes killed on this host
 * left behind (a kept token or a thread token is written once and only
 * removed at a clean exit). A token counts as left over by the rule a lock
 * holder does: its line names this host and a pid that is dead, or this
 * process's pid with a nonce it does not hold. Tokens from other hosts,
 * this process's own, half-written ones and the one the lock is linked to
 * (the takeover removes that one) are kept. Returns the removed file names.
 */
export async function removeDeadLockTokens(lockPath: string): Promise<string[]> {
  const dir = path.dirname(lockPath);
  const prefix = tokenPrefix(lockPath);
  const names = await readdir(dir).catch(() => [] as string[]);
  const ours = new Set([...keptTokens.values(), ...threadTokens].map((token) => token.temp));
  const linked = readIfThere(lockPath);
  const removed: string[] = [];
  for (const name of names.sort()) {
    const file = path.join(dir, name);
    if (!name.startsWith(prefix) || ours.has(file)) continue;
    const holder = await readFile(file, 'utf8').catch(() => undefined);
    if (holder === undefined || holder === linked || !holderIsDead(holder)) continue;
    await rm(file, { force: true });
    removed.push(name);
  }
  return removed;
}

/**
 * Whether the holder written in a lock file is gone: the line is complete,
 * names this host, and its pid is dead, or is this process's own pid with a
 * lock it does not hold (a previous incarnation, e.g. pid 1 in a restarted
 * container). Holders on other hosts are judged by age only.
 */
function holderIsDead(holder: string): boolean {
  if (!holder.endsWith('\n')) return false;
  const [pidText, nonce, host] = holder.trim().split(' ');
  if (host !== HOST_TAG) return false;
  const pid = Number(pidText);
  return pid === process.pid ? !held.has(nonce ?? '') : !isAlive(pid);
}

/** `.sdetkit-tmp-<lock name>.<pid>.<nonce>`: readers skip it; a killed holder leaves at most one. */
function tempLockPath(lockPath: string, pid: number, nonce: string): string {
  return path.join(path.dirname(lockPath), `${tokenPrefix(lockPath)}${pid}.${nonce}`);
}

/** What the names of `lockPath`'s token files start with. */
function tokenPrefix(lockPath: string): string {
  return `${TEMP_PREFIX}${path.basename(lockPath)}.`;
}

/** Exclusive create of `lockPath` holding `content`: link when the file system can, else O_EXCL. */
async function createWithContent(temp: string, lockPath: string, content: string): Promise<void> {
  try {
    // Synchronous, like the release: a link is microseconds in the kernel, while a trip through
    // the thread pool waits behind other file work (a server's fsyncs) and lengthens the hold.
    linkSync(temp, lockPath);
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EPERM' && code !== 'ENOTSUP' && code !== 'EOPNOTSUPP') throw error;
    const handle = await open(lockPath, 'wx');
    try {
      await handle.writeFile(content);
    } finally {
      await handle.close();
    }
  }
}

/**
 * Whether the lock at `lockPath` was left by a dead process (or is older than
 * `staleMs`); if so it is removed, and true tells the caller to retry. One
 * process at a time takes over (under `<lock>.takeover`), and it checks the
 * holder again right before removing, so a fresh lock is never removed.
 */
async function isStale(lockPath: string, staleMs: number): Promise<boolean> {
  const holder = await readFile(lockPath, 'utf8').catch(() => undefined);
  if (holder === undefined) return true; // released meanwhile: retry at once
  const info = await stat(lockPath).catch(() => undefined);
  if (!info) return true;
  const old = Date.now() - info.mtimeMs > staleMs;
  if (!old && !holderIsDead(holder)) return false;
  const takeover = `${lockPath}.takeover`;
  try {
    await writeFile(takeover, `${process.pid}\n`, { flag: 'wx' });
  } catch (error) {
    if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
    // Someone else is taking over; a takeover lock left by a killed process goes after 5 s.
    const since = await stat(takeover).catch(() => undefined);
    if (since && Date.now() - since.mtimeMs > 5_000) await rm(takeover, { force: true });
    return false;
  }
  try {
    if ((await readFile(lockPath, 'utf8').catch(() => undefined)) === holder) {
      await rm(lockPath, { force: true });
      // The dead holder's temp file, named after its pid and nonce.
      const [pid, nonce] = holder.trim().split(' ');
      if (pid && nonce && /^[0-9a-f]+$/.test(nonce))
        await rm(tempLockPath(lockPath, Number(pid), nonce), { force: true });
    }
  } finally {
    await rm(takeover, { force: true });
  }
  return true;
}
