import { randomBytes } from 'node:crypto';
import { link, open, readFile, rename, rm, stat } from 'node:fs/promises';
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
  const mine = `${process.pid} ${randomBytes(8).toString('hex')}\n`;
  let delay = 2;
  for (;;) {
    try {
      const handle = await open(lockPath, 'wx');
      try {
        await handle.writeFile(mine);
      } finally {
        await handle.close();
      }
      break;
    } catch (error) {
      if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      if (await isStale(lockPath, staleMs)) continue;
      if (Date.now() > deadline) throw new Error(`timed out waiting for lock ${lockPath}`);
      await new Promise((resolve) => setTimeout(resolve, delay + Math.random() * delay));
      delay = Math.min(delay * 2, 50);
    }
  }
  try {
    return await fn();
  } finally {
    // Only remove the lock if it is still ours.
    if ((await readFile(lockPath, 'utf8').catch(() => undefined)) === mine)
      await rm(lockPath, { force: true });
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
  return true;
}
