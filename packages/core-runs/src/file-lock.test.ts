import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import {
  dropLockToken,
  dropThreadLockToken,
  removeDeadLockTokens,
  threadLockToken,
  withFileLock,
} from './file-lock.js';
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

  describe('with keepToken', () => {
    it('writes its token once and keeps it between acquisitions, until dropLockToken', async () => {
      const seen: string[] = [];
      for (let i = 0; i < 3; i++)
        await withFileLock(
          lock,
          async () => {
            seen.push(await readFile(lock, 'utf8'));
          },
          { keepToken: true },
        );
      expect(new Set(seen).size).toBe(1);
      expect(seen[0]).toMatch(new RegExp(`^${process.pid} [0-9a-f]{16} ${HOST_TAG}\\n$`));
      // Between acquisitions: no lock, only the token, the same file every time.
      const [token, ...rest] = await lockFiles();
      expect(rest).toEqual([]);
      expect(token).toMatch(/^\.sdetkit-tmp-x\.lock\.\d+\.[0-9a-f]{16}$/);
      const inode = (await stat(path.join(ws.root, token!))).ino;
      await withFileLock(lock, async () => undefined, { keepToken: true });
      expect((await stat(path.join(ws.root, token!))).ino).toBe(inode);
      dropLockToken(lock);
      expect(await lockFiles()).toEqual([]);
      // A later acquisition makes a new token.
      await withFileLock(lock, async () => undefined, { keepToken: true });
      expect(await lockFiles()).toHaveLength(1);
      dropLockToken(lock);
    });

    it('writes the token again when it was removed meanwhile', async () => {
      await withFileLock(lock, async () => undefined, { keepToken: true });
      const [token] = await lockFiles();
      await rm(path.join(ws.root, token!));
      expect(await withFileLock(lock, async () => 'ran', { keepToken: true, timeoutMs: 1_000 })).toBe('ran');
      expect(await lockFiles()).toEqual([token]);
      dropLockToken(lock);
    });

    it('serializes holders that keep the token with each other and with holders that do not', async () => {
      let inside = 0;
      let most = 0;
      let runs = 0;
      await Promise.all(
        Array.from({ length: 20 }, (_, i) =>
          withFileLock(
            lock,
            async () => {
              inside++;
              runs++;
              most = Math.max(most, inside);
              await new Promise((resolve) => setTimeout(resolve, 2));
              inside--;
            },
            { keepToken: i % 2 === 0 },
          ),
        ),
      );
      expect([most, runs]).toEqual([1, 20]);
      // dropLockToken leaves a token that is in use alone.
      let during: string[] = [];
      await withFileLock(
        lock,
        async () => {
          dropLockToken(lock);
          during = await lockFiles();
        },
        { keepToken: true },
      );
      expect(during).toHaveLength(2);
      dropLockToken(lock);
      expect(await lockFiles()).toEqual([]);
    });

    it('removes the token when the process exits', async () => {
      // Runs the built package (turbo builds before testing) in a real child process.
      const moduleUrl = pathToFileURL(path.join(import.meta.dirname, '../dist/index.js')).href;
      const script = `
        const { withFileLock } = await import(${JSON.stringify(moduleUrl)});
        await withFileLock(${JSON.stringify(lock)}, async () => undefined, { keepToken: true });
        const { readdirSync } = await import('node:fs');
        process.stdout.write(readdirSync(${JSON.stringify(ws.root)}).filter((n) => n.startsWith('.sdetkit-tmp-')).join());
      `;
      const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
        encoding: 'utf8',
        timeout: 10_000,
      });
      expect(child.stdout).toMatch(/^\.sdetkit-tmp-x\.lock\.\d+\.[0-9a-f]{16}$/);
      expect(await lockFiles()).toEqual([]);
      // Longer than the child's own limit: a busy machine can take seconds to start Node and load the package.
    }, 20_000);
  });
});

describe('threadLockToken', () => {
  it('makes this process wait for a lock another of its threads holds, never take it over', async () => {
    const token = threadLockToken(lock);
    try {
      // What the writer thread does to take the lock.
      await writeFile(token.temp, token.content);
      await writeFile(lock, token.content);
      await expect(withFileLock(lock, async () => 'taken', { timeoutMs: 150 })).rejects.toThrow(/timed out/);
    } finally {
      dropThreadLockToken(token);
    }
    // Dropped (its thread stopped): the lock it held and its token file are removed.
    expect(existsSync(lock)).toBe(false);
    expect(existsSync(token.temp)).toBe(false);
    await expect(withFileLock(lock, async () => 'taken')).resolves.toBe('taken');
  });
});

describe('removeDeadLockTokens', () => {
  it("removes the token files of this host's dead processes and keeps every other", async () => {
    const token = (pid: number, nonce: string, host = HOST_TAG) => ({
      name: `.sdetkit-tmp-x.lock.${pid}.${nonce}`,
      content: `${pid} ${nonce} ${host}\n`,
    });
    // One exited process for every dead holder: starting Node takes seconds on a busy machine.
    const gone = deadPid();
    const dead = token(gone, 'a1a1a1a1a1a1a1a1');
    const deadHolder = token(gone, 'b2b2b2b2b2b2b2b2');
    const ownPast = token(process.pid, 'c3c3c3c3c3c3c3c3'); // an earlier process with this pid (a restarted container)
    const live = token(process.ppid, 'd4d4d4d4d4d4d4d4');
    const foreign = token(gone, 'e5e5e5e5e5e5e5e5', 'ffffffff');
    const partial = { name: '.sdetkit-tmp-x.lock.1.f6f6f6f6f6f6f6f6', content: `${gone} f6f6` };
    for (const t of [dead, deadHolder, ownPast, live, foreign, partial])
      await writeFile(path.join(ws.root, t.name), t.content);
    // A dead holder's token still linked as the lock is left to the takeover, which removes both.
    await writeFile(lock, deadHolder.content);
    await writeFile(path.join(ws.root, 'other.lock'), 'not a token');
    // This process's own kept token stays.
    await withFileLock(lock.replace('x.lock', 'y.lock'), async () => undefined, { keepToken: true });
    const thread = threadLockToken(lock);
    await writeFile(thread.temp, thread.content);
    try {
      expect(await removeDeadLockTokens(lock)).toEqual([dead.name, ownPast.name].sort());
      const left = await readdir(ws.root);
      for (const kept of [deadHolder, live, foreign, partial]) expect(left).toContain(kept.name);
      expect(left).toContain(path.basename(thread.temp));
      expect(left.filter((n) => n.startsWith('.sdetkit-tmp-y.lock.'))).toHaveLength(1);
    } finally {
      dropThreadLockToken(thread);
      dropLockToken(lock.replace('x.lock', 'y.lock'));
    }
  });
});
