import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { TEMP_PREFIX } from './atomic-write.js';
import { isAlive } from './process-alive.js';

export interface LockOptions {
  /** Give up after this long (default 10 s). */
  timeoutMs?: number;
  /** A lock file older than this is left over from a crash and is removed (default 30 s). */
  staleMs?: number;
}

/**
 * Runs `fn` while holding an exclusive lock file (created with O_EXCL, so it
 * works across processes on one machine). The file holds `<pid> <nonce>`; a
 * lock whose process is gone (killed mid-write) is taken over at once, and
 * any lock older than `staleMs` is treated as left over.
 */
export async function withFileLock<T>(
  lockPath: string,
  fn: () => Promise<T>,
  options: LockOptions = {},
): Promise<T> {
  const deadline = Date.now() + (options.timeoutMs ?? 10_000);
  const staleMs = options.staleMs ?? 30_000;
  const nonce = randomBytes(8).toString('hex');
  const mine = `${process.pid} ${nonce}\n`;
  // The lock appears with its content already in it (hard link of a written
  // temp file), so a holder killed at any point leaves a pid to judge by.
  const temp = tempLockPath(lockPath, process.pid, nonce);
  await writeFile(temp, mine);
  let delay = 2;
  try {
    for (;;) {
      try {
        await createWithContent(temp, lockPath, mine);
        break;
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
        if (await isStale(lockPath, staleMs)) continue;
        if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${lockPath}`);
        await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
        delay = Math.min(delay * 2, 50);
      }
    }
  } finally {
    await rm(temp, { force: true });
  }
  try {
    return await fn();
  } finally {
    // Only remove the lock if it is still ours.
    if ((await readFile(lockPath, 'utf8').catch(() => undefined)) === mine)
      await rm(lockPath, { force: true });
  }
}

/** `.sdetkit-tmp-<lock name>.<pid>.<nonce>`: readers skip it; a killed holder leaves at most one. */
function tempLockPath(lockPath: string, pid: number, nonce: string): string {
  return path.join(path.dirname(lockPath), `${TEMP_PREFIX}${path.basename(lockPath)}.${pid}.${nonce}`);
}

/** Exclusive create of `lockPath` holding `content`: link when the file system can, else O_EXCL. */
async function createWithContent(temp: string, lockPath: string, content: string): Promise<void> {
  try {
    await link(temp, lockPath);
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
 * `staleMs`); if so it is moved aside, and true tells the caller to retry.
 */
async function isStale(lockPath: string, staleMs: number): Promise<boolean> {
  const holder = await readFile(lockPath, 'utf8').catch(() => undefined);
  if (holder === undefined) return true; // released meanwhile: retry at once
  const info = await stat(lockPath).catch(() => undefined);
  if (!info) return true;
  const old = Date.now() - info.mtimeMs > staleMs;
  // A holder that has not finished writing its line is judged by age only.
  const dead = holder.endsWith('\n') && !isAlive(Number(holder.split(' ')[0]));
  if (!old && !dead) return false;
  // Move it aside atomically, then make sure what was moved is the stale
  // lock and not a fresh one another waiter took in between.
  const aside = `${lockPath}.stale-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await rename(lockPath, aside);
  } catch {
    return true;
  }
  const moved = await readFile(aside, 'utf8').catch(() => '');
  if (moved !== holder) await link(aside, lockPath).catch(() => undefined);
  await rm(aside, { force: true });
  // The dead holder's temp file, named after its pid and nonce.
  const [pid, nonce] = holder.trim().split(' ');
  if (moved === holder && pid && nonce && /^[0-9a-f]+$/.test(nonce))
    await rm(tempLockPath(lockPath, Number(pid), nonce), { force: true });
  return true;
}
