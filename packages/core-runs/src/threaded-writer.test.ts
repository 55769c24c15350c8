import { spawnSync } from 'node:child_process';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { TEMP_PREFIX } from './atomic-write.js';
import { createTempWorkspace } from './testing/temp-workspace.js';
import { ThreadedFileWriter } from './threaded-writer.js';

let ws: Awaited<ReturnType<typeof createTempWorkspace>>;
let writer: ThreadedFileWriter;
beforeEach(async () => {
  ws = await createTempWorkspace();
  writer = new ThreadedFileWriter();
});
afterEach(async () => {
  await writer.close();
  await ws.cleanup();
});

describe('ThreadedFileWriter', () => {
  it('writes many files at once, creating missing folders, and leaves no temp files', async () => {
    const files = Array.from({ length: 200 }, (_, i) => path.join(ws.root, `d${i % 3}`, 'sub', `f${i}.json`));
    await Promise.all(files.map((file, i) => writer.write(file, `{"i":${i}}\n`)));
    for (const [i, file] of files.entries()) expect(await readFile(file, 'utf8')).toBe(`{"i":${i}}\n`);
    for (const dir of ['d0', 'd1', 'd2']) {
      const names = await readdir(path.join(ws.root, dir, 'sub'));
      expect(names.filter((n) => n.startsWith(TEMP_PREFIX))).toEqual([]);
      expect(names).toHaveLength(dir === 'd2' ? 66 : 67);
    }
  });

  it('sends the writes asked for in one turn of the event loop to its thread as one message', async () => {
    const post = vi.spyOn(Worker.prototype, 'postMessage');
    try {
      const files = Array.from({ length: 10 }, (_, i) => path.join(ws.root, `t${i}.json`));
      await Promise.all(files.map((file) => writer.write(file, 'x')));
      await writer.write(path.join(ws.root, 'later.json'), 'y');
      expect(post.mock.calls.map(([writes]) => (writes as unknown[]).length)).toEqual([10, 1]);
    } finally {
      post.mockRestore();
    }
  });

  it('replaces an existing file whole', async () => {
    const file = path.join(ws.root, 'x.json');
    await writeFile(file, 'old content that is longer than the new one\n');
    await writer.write(file, 'new\n');
    expect(await readFile(file, 'utf8')).toBe('new\n');
  });

  it('fails only the write that cannot be done, with the file system error and its code', async () => {
    await writeFile(path.join(ws.root, 'blocker'), 'a file where a folder should be');
    const results = await Promise.allSettled([
      writer.write(path.join(ws.root, 'ok-1.json'), '1'),
      writer.write(path.join(ws.root, 'blocker', 'x.json'), '2'),
      writer.write(path.join(ws.root, 'ok-2.json'), '3'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['fulfilled', 'rejected', 'fulfilled']);
    const error = (results[1] as PromiseRejectedResult).reason as NodeJS.ErrnoException;
    expect(error.code).toBe('ENOTDIR');
    expect(error.message).toContain(path.join(ws.root, 'blocker'));
    expect(await readFile(path.join(ws.root, 'ok-2.json'), 'utf8')).toBe('3');
  });

  it('writes in place in the same batches as whole-file writes, replacing what is there', async () => {
    const post = vi.spyOn(Worker.prototype, 'postMessage');
    try {
      const staged = path.join(ws.root, 'new-dir', 'staged.json');
      const atomic = path.join(ws.root, 'atomic.json');
      await writeFile(path.join(ws.root, 'old.json'), 'old content that is longer than the new one\n');
      await Promise.all([
        writer.writeInPlace(staged, 'staged\n'),
        writer.write(atomic, 'atomic\n'),
        writer.writeInPlace(path.join(ws.root, 'old.json'), 'new\n'),
      ]);
      expect(
        post.mock.calls.map(([writes]) => (writes as { inPlace: boolean }[]).map((w) => w.inPlace)),
      ).toEqual([[true, false, true]]);
      expect(await readFile(staged, 'utf8')).toBe('staged\n');
      expect(await readFile(atomic, 'utf8')).toBe('atomic\n');
      expect(await readFile(path.join(ws.root, 'old.json'), 'utf8')).toBe('new\n');
      expect((await readdir(ws.root)).filter((n) => n.startsWith(TEMP_PREFIX))).toEqual([]);
    } finally {
      post.mockRestore();
    }
  });

  it('fails only the in-place write that cannot be done', async () => {
    await writeFile(path.join(ws.root, 'blocker'), 'a file where a folder should be');
    const results = await Promise.allSettled([
      writer.writeInPlace(path.join(ws.root, 'blocker', 'x.json'), '1'),
      writer.writeInPlace(path.join(ws.root, 'ok.json'), '2'),
    ]);
    expect(results.map((r) => r.status)).toEqual(['rejected', 'fulfilled']);
    expect((results[0] as PromiseRejectedResult).reason).toMatchObject({ code: 'ENOTDIR' });
    expect(await readFile(path.join(ws.root, 'ok.json'), 'utf8')).toBe('2');
  });

  it('waits for pending writes on close, and starts again on the next write', async () => {
    const pending = writer.write(path.join(ws.root, 'a.json'), 'a');
    await writer.close();
    expect(await readFile(path.join(ws.root, 'a.json'), 'utf8')).toBe('a');
    await pending;
    await writer.write(path.join(ws.root, 'b.json'), 'b');
    expect(await readFile(path.join(ws.root, 'b.json'), 'utf8')).toBe('b');
  });

  it('keeps a process alive while writes are pending and lets it exit once they are done', async () => {
    // Runs the built package (turbo builds before testing) in a real child process that never closes the writer.
    const moduleUrl = pathToFileURL(path.join(import.meta.dirname, '../dist/index.js')).href;
    const target = path.join(ws.root, 'child.json');
    const script = `
      const { ThreadedFileWriter } = await import(${JSON.stringify(moduleUrl)});
      const writer = new ThreadedFileWriter();
      writer.write(${JSON.stringify(target)}, 'from the child').then(() => process.stdout.write('written'));
    `;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', script], {
      encoding: 'utf8',
      timeout: 10_000,
    });
    expect(child.signal).toBeNull();
    expect(child.stdout).toBe('written');
    expect(await readFile(target, 'utf8')).toBe('from the child');
  });
});
