import { spawnSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { withFileLock } from './file-lock.js';
import { HOST_TAG } from './process-alive.js';
import { createTempWorkspace } from './testing/temp-workspace.js';

let ws: Awaited<ReturnType<typeof createTempWorkspace>>;
let lock: string;
beforeEach(async () => {
  ws = await createTempWorkspace();
  lock = path.join(ws.root, 'x.lock');
});
afterEach(() => ws.cleanup());

/** Lock files and lock temp files left in the folder. */
const lockFiles = async () =>
  (await readdir(ws.root)).filter((n) => n.startsWith('.sdetkit-tmp-') || n.endsWith('.lock'));

/** A pid that belonged to a process that has exited. */
function deadPid(): number {
  return spawnSync(process.execPath, ['-e', '0']).pid!;
}

describe('withFileLock', () => {
  it('takes over at once a lock whose process was killed', async () => {
    await writeFile(lock, `${deadPid()} deadbeef ${HOST_TAG}\n`);
    const started = Date.now();
    expect(await withFileLock(lock, async () => 'ran', { timeoutMs: 5_000 })).toBe('ran');
    expect(Date.now() - started).toBeLessThan(2_000);
    await expect(readFile(lock)).rejects.toThrow(/ENOENT/);
  });

  it('waits for, and does not steal, a lock held by a live process', async () => {
    await writeFile(lock, `${process.ppid} cafe ${HOST_TAG}\n`);
    await expect(withFileLock(lock, async () => 'ran', { timeoutMs: 150 })).rejects.toThrow(/timed out/);
    expect(await readFile(lock, 'utf8')).toBe(`${process.ppid} cafe ${HOST_TAG}\n`);
  });

  it('judges a holder on another host (or container) by age only, never by pid', async () => {
    await writeFile(lock, `${deadPid()} beef 0badc0de\n`);
    await expect(withFileLock(lock, async () => 'ran', { timeoutMs: 150 })).rejects.toThrow(/timed out/);
    expect(await withFileLock(lock, async () => 'ran', { timeoutMs: 1_000, staleMs: 0 })).toBe('ran');
  });

  it('takes over a lock with its own pid that it does not hold (a restarted container)', async () => {
    await writeFile(lock, `${process.pid} 0123abcd ${HOST_TAG}\n`);
    expect(await withFileLock(lock, async () => 'ran', { timeoutMs: 1_000 })).toBe('ran');
  });

  it('judges a half-written lock by age only, and treats an old one as stale', async () => {
    await writeFile(lock, '');
    await expect(withFileLock(lock, async () => 'ran', { timeoutMs: 100 })).rejects.toThrow(/timed out/);
    expect(await withFileLock(lock, async () => 'ran', { timeoutMs: 1_000, staleMs: 0 })).toBe('ran');
  });

  it("creates the lock with its pid already in it, and cleans up a dead holder's temp file", async () => {
    let seen = '';
    await withFileLock(lock, async () => {
      seen = await readFile(lock, 'utf8');
    });
    expect(seen).toMatch(new RegExp(`^${process.pid} [0-9a-f]{16} ${HOST_TAG}\\n$`));
    expect(await lockFiles()).toEqual([]);
    const dead = deadPid();
    const leftover = path.join(ws.root, `.sdetkit-tmp-x.lock.${dead}.0123456789abcdef`);
    await writeFile(leftover, `${dead} 0123456789abcdef ${HOST_TAG}\n`);
    await writeFile(lock, `${dead} 0123456789abcdef ${HOST_TAG}\n`);
    await withFileLock(lock, async () => undefined, { timeoutMs: 2_000 });
    expect(await lockFiles()).toEqual([]);
  });

  it('does not remove a lock that is no longer its own on release', async () => {
    await withFileLock(lock, async () => {
      // Someone judged us stale and took over meanwhile.
      await writeFile(lock, `${process.ppid} other\n`);
    });
    expect(await readFile(lock, 'utf8')).toBe(`${process.ppid} other\n`);
  });

  it('serializes concurrent holders', async () => {
    let inside = 0;
    let most = 0;
    await Promise.all(
      Array.from({ length: 20 }, () =>
        withFileLock(lock, async () => {
          inside++;
          most = Math.max(most, inside);
          await new Promise((resolve) => setTimeout(resolve, 2));
          inside--;
        }),
      ),
    );
    expect(most).toBe(1);
  });
});
