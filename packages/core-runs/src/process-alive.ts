import { createHash } from 'node:crypto';
import { hostname } from 'node:os';

/** Whether a process with this pid exists on this machine (EPERM: it exists but is someone else's). */
export function isAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false;
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * A short tag of this host (8 hex of the sha256 of its name). Pids only mean
 * something on the host, and in the pid namespace, that issued them: files
 * that record a pid also record this tag, and a pid with another tag (another
 * machine or container sharing the folder) is never judged dead by pid.
 */
export const HOST_TAG = createHash('sha256').update(hostname()).digest('hex').slice(0, 8);
