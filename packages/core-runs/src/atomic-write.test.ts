import { spawn } from 'node:child_process';
import fs, { closeSync, writeSync } from 'node:fs';
import { mkdir, readdir, readFile, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import {
  openCreatingSync,
  syncDirectory,
  syncFile,
  TEMP_PREFIX,
  writeFileAtomic,
  writeFileInPlace,
} from './atomic-write.js';
import { createTempWorkspace } from './testing/temp-workspace.js';

let ws: Awaited<ReturnType<typeof createTempWorkspace>>;
beforeEach(async () => {
  ws = await createTempWorkspace();
});
afterEach(() => ws.cleanup());

describe('writeFileAtomic', () => {
  it('creates parent folders, replaces the file and leaves no temp file', async () => {
    const target = path.join(ws.root, 'a/b/c.txt');
    await writeFileAtomic(target, 'one');
    await writeFileAtomic(target, 'two');
    expect(await readFile(target, 'utf8')).toBe('two');
    expect(await readdir(path.dirname(target))).toEqual(['c.txt']);
  });

  it('writes a list of chunks in order, strings and bytes alike', async () => {
    const target = path.join(ws.root, 'chunks.txt');
    await writeFileAtomic(target, 'old content that is longer');
    await writeFileAtomic(target, ['head\n', Buffer.from('b\u00e9tween\n'), '', 'tail\n']);
    expect(await readFile(target, 'utf8')).toBe('head\nb\u00e9tween\ntail\n');
    await writeFileAtomic(target, []);
    expect(await readFile(target, 'utf8')).toBe('');
  });

  it('keeps the old content when the rename fails', async () => {
    const target = path.join(ws.root, 'dir-target');
    await mkdir(path.join(target, 'child'), { recursive: true });
    await writeFile(path.join(target, 'child', 'keep.txt'), 'keep');
    await expect(writeFileAtomic(target, 'x')).rejects.toThrow();
    expect(await readFile(path.join(target, 'child', 'keep.txt'), 'utf8')).toBe('keep');
    expect((await readdir(ws.root)).filter((n) => n.startsWith(TEMP_PREFIX))).toEqual([]);
  });

  it('never leaves a partial file under the final name when the writer is killed mid-write', async () => {
    // Runs the built package (turbo builds before testing) in a real child process.
    const moduleUrl = new URL('../dist/index.js', import.meta.url).href;
    const target = path.join(ws.root, 'big.bin');
    const size = 32 * 1024 * 1024;
    // The child rewrites a 32 MiB file in a loop until it is killed.
    const script = `
      const { writeFileAtomic } = await import(${JSON.stringify(moduleUrl)});
      const data = Buffer.alloc(${size}, 7);
      process.stdout.write('ready\\n');
      for (;;) await writeFileAtomic(${JSON.stringify(target)}, data);
    `;
    for (let attempt = 0; attempt < 3; attempt++) {
      const child = spawn(process.execPath, ['--input-type=module', '-e', script], {
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      await new Promise<void>((resolve) => child.stdout.once('data', () => resolve()));
      await new Promise((resolve) => setTimeout(resolve, 40 + attempt * 70));
      child.kill('SIGKILL');
      await new Promise((resolve) => child.once('close', resolve));
      const info = await stat(target).catch(() => undefined);
      if (info) expect(info.size).toBe(size);
    }
  }, 30_000);
});

describe('writeFileInPlace', () => {
  it('creates parent folders, replaces a longer file whole and uses no temp file', async () => {
    const target = path.join(ws.root, 'a/b/staged.json');
    await writeFileInPlace(target, 'old content that is longer than the new one\n');
    const rename = vi.spyOn(fs, 'renameSync');
    try {
      await writeFileInPlace(target, 'new\n');
      expect(rename).not.toHaveBeenCalled();
    } finally {
      rename.mockRestore();
    }
    expect(await readFile(target, 'utf8')).toBe('new\n');
    expect(await readdir(path.dirname(target))).toEqual(['staged.json']);
  });

  it('fsyncs the file and its folder together, not one after the other', async () => {
    const fsync = vi.spyOn(fs, 'fsync');
    try {
      const started: number[] = [];
      fsync.mockImplementation(((fd: number, callback: (error: Error | null) => void) => {
        started.push(fd);
        // Neither fsync finishes until both have started.
        setTimeout(() => callback(null), 20);
      }) as typeof fs.fsync);
      const pending = writeFileInPlace(path.join(ws.root, 'x.json'), 'x');
      await new Promise((resolve) => setTimeout(resolve, 10));
      expect(started).toHaveLength(2);
      await pending;
    } finally {
      fsync.mockRestore();
    }
  });

  it('removes the file when its fsync fails, and passes the error on', async () => {
    const target = path.join(ws.root, 'failing.json');
    const fsync = vi
      .spyOn(fs, 'fsync')
      .mockImplementation(((_fd: number, callback: (error: Error) => void) =>
        callback(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }))) as typeof fs.fsync);
    try {
      await expect(writeFileInPlace(target, 'x')).rejects.toMatchObject({ code: 'EIO' });
    } finally {
      fsync.mockRestore();
    }
    expect(await readdir(ws.root)).not.toContain('failing.json');
  });

  it('leaves a folder where the file should go alone', async () => {
    const target = path.join(ws.root, 'dir-target');
    await mkdir(target);
    await writeFile(path.join(target, 'keep.txt'), 'keep');
    await expect(writeFileInPlace(target, 'x')).rejects.toMatchObject({ code: 'EISDIR' });
    expect(await readFile(path.join(target, 'keep.txt'), 'utf8')).toBe('keep');
  });
});

describe('openCreatingSync', () => {
  it('creates a missing folder only when needed and passes other errors through', async () => {
    const file = path.join(ws.root, 'a/b/c.jsonl');
    for (const line of ['x\n', 'y\n']) {
      const fd = openCreatingSync(file, 'a');
      writeSync(fd, line);
      closeSync(fd);
    }
    expect(await readFile(file, 'utf8')).toBe('x\ny\n');
    expect(() => openCreatingSync(file, 'wx')).toThrow(expect.objectContaining({ code: 'EEXIST' }));
  });
});

describe('syncDirectory', () => {
  it('shares one fsync among callers that ask while one is running, and syncs again afterwards', async () => {
    const fsync = vi.spyOn(fs, 'fsync');
    try {
      await Promise.all(Array.from({ length: 10 }, () => syncDirectory(ws.root)));
      // The first call's fsync, then one more for the nine that asked while it ran.
      expect(fsync).toHaveBeenCalledTimes(2);
      await syncDirectory(ws.root);
      expect(fsync).toHaveBeenCalledTimes(3);
      await Promise.all([syncDirectory(ws.root), syncDirectory(path.join(ws.root, 'missing'))]);
      expect(fsync).toHaveBeenCalledTimes(4);
    } finally {
      fsync.mockRestore();
    }
  });
});

describe('syncFile', () => {
  it('shares fsyncs like syncDirectory and passes fsync errors to every caller', async () => {
    const file = path.join(ws.root, 'ledger.jsonl');
    await writeFile(file, 'x\n');
    const fsync = vi.spyOn(fs, 'fsync');
    try {
      await Promise.all(Array.from({ length: 10 }, () => syncFile(file)));
      expect(fsync).toHaveBeenCalledTimes(2);
      fsync.mockImplementation(((_fd: number, callback: (error: Error | null) => void) =>
        callback(Object.assign(new Error('EIO: i/o error, fsync'), { code: 'EIO' }))) as typeof fs.fsync);
      const results = await Promise.allSettled([syncFile(file), syncFile(file), syncFile(file)]);
      expect(results.map((r) => r.status)).toEqual(['rejected', 'rejected', 'rejected']);
      fsync.mockRestore();
      // A failed fsync does not stop the next one.
      await syncFile(file);
      await expect(syncFile(path.join(ws.root, 'missing'))).rejects.toThrow(/ENOENT/);
    } finally {
      fsync.mockRestore();
    }
  });
});

describe('writeFileAtomic with durable: false', () => {
  it('replaces the file whole without any fsync', async () => {
    const fsync = vi.spyOn(fs, 'fsync');
    try {
      const target = path.join(ws.root, 'state/bucket.json');
      await writeFileAtomic(target, 'one', { durable: false });
      await writeFileAtomic(target, 'two', { durable: false });
      expect(fsync).not.toHaveBeenCalled();
      expect(await readFile(target, 'utf8')).toBe('two');
      expect(await readdir(path.dirname(target))).toEqual(['bucket.json']);
      await writeFileAtomic(target, 'three');
      expect(fsync).toHaveBeenCalledTimes(2);
    } finally {
      fsync.mockRestore();
    }
  });
});

describe('writeFileAtomic with large chunks', () => {
  it('writes chunks over the synchronous limit asynchronously, in order', async () => {
    const target = path.join(ws.root, 'large.bin');
    const big = Buffer.alloc(200 * 1024, 1);
    await writeFileAtomic(target, ['head', big, 'x'.repeat(100 * 1024), 'tail']);
    const bytes = await readFile(target);
    expect(bytes.length).toBe(4 + big.length + 100 * 1024 + 4);
    expect(bytes.subarray(0, 4).toString()).toBe('head');
    expect(bytes.subarray(4, 4 + big.length).equals(big)).toBe(true);
    expect(bytes.subarray(-4).toString()).toBe('tail');
  });
});
