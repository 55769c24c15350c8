import fs from 'node:fs';
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { checkLedger, GENESIS, Ledger, type LedgerEntry } from './ledger.js';
import { createTempWorkspace } from './testing/temp-workspace.js';

let ws: Awaited<ReturnType<typeof createTempWorkspace>>;
let ledger: Ledger;
beforeEach(async () => {
  ws = await createTempWorkspace();
  ledger = new Ledger(path.join(ws.root, '.sdetkit/agent'));
});
afterEach(() => ws.cleanup());

const entry = (n: number) => ({
  kind: 'run' as const,
  hash: String(n).repeat(64).slice(0, 64),
  captured_at: '2024-01-01T00:00:00Z',
});

describe('Ledger', () => {
  it('chains entries: seq increments and prev is the previous digest', async () => {
    const first = await ledger.append(entry(1));
    const second = await ledger.append(entry(2));
    expect(first).toMatchObject({ seq: 1, prev: GENESIS });
    expect(second).toMatchObject({ seq: 2, prev: first.digest });
    expect(checkLedger(await ledger.read())).toMatchObject({ ok: true, entries: 2 });
  });

  it('keeps the chain valid under many concurrent appends', async () => {
    await Promise.all(Array.from({ length: 40 }, (_, i) => ledger.append(entry(i % 9))));
    const check = checkLedger(await ledger.read());
    expect(check).toMatchObject({ ok: true, entries: 40 });
  });

  it.each([
    ['a removed line', (lines: string[]) => lines.filter((_, i) => i !== 1), /seq 3 where 2 was expected/],
    ['reordered lines', (lines: string[]) => [lines[0]!, lines[2]!, lines[1]!], /seq 3 where 2 was expected/],
    [
      'an edited hash',
      (lines: string[]) => [lines[0]!, lines[1]!.replace(/"hash":"2/, '"hash":"7'), lines[2]!],
      /digest does not match/,
    ],
    ['a torn line', (lines: string[]) => [lines[0]!, lines[1]!.slice(0, 20)], /not valid JSON/],
  ])('reports the first broken link for %s', async (_, mutate, reason) => {
    for (const n of [1, 2, 3]) await ledger.append(entry(n));
    const lines = (await ledger.read()).trimEnd().split('\n');
    await writeFile(ledger.file, `${mutate(lines).join('\n')}\n`);
    const check = checkLedger(await readFile(ledger.file, 'utf8'));
    expect(check.ok).toBe(false);
    expect(check.first_broken!.reason).toMatch(reason);
  });
});

describe('LedgerBatcher', () => {
  it('batches concurrent appends in arrival order under one lock per batch, keeping the chain valid', async () => {
    const { LedgerBatcher } = await import('./ledger-batcher.js');
    const batcher = new LedgerBatcher(ledger);
    const entries = await Promise.all(Array.from({ length: 50 }, (_, i) => batcher.append(entry(i % 9))));
    expect(entries.map((e) => e.seq)).toEqual(Array.from({ length: 50 }, (_, i) => i + 1));
    await batcher.flush();
    expect(checkLedger(await ledger.read())).toMatchObject({ ok: true, entries: 50 });
  });

  it("writes the next batch while the previous one's fsync runs, no further, and resolves each append once it is durable", async () => {
    const { LedgerBatcher } = await import('./ledger-batcher.js');
    const batcher = new LedgerBatcher(ledger);
    // fsyncs wait until released, so the test sees what happens meanwhile.
    const held: (() => void)[] = [];
    const realFsync = fs.fsync;
    const fsync = vi.spyOn(fs, 'fsync').mockImplementation(((
      fd: number,
      callback: (error: Error | null) => void,
    ) => {
      held.push(() => realFsync(fd, callback));
    }) as typeof fs.fsync);
    try {
      let resolved = 0;
      const counted = (e: LedgerEntry) => {
        resolved++;
        return e;
      };
      const first = batcher.append(entry(1)).then(counted);
      await vi.waitFor(() => expect(held).toHaveLength(1));
      const second = batcher.append(entry(2)).then(counted);
      // The second entry is written while the first fsync is still running; nothing is resolved yet.
      await vi.waitFor(async () => expect((await ledger.read()).trimEnd().split('\n')).toHaveLength(2));
      expect(resolved).toBe(0);
      // Two written batches wait for fsyncs at most: later entries queue, and go out as one batch.
      const later = [batcher.append(entry(3)), batcher.append(entry(4))];
      await new Promise((resolve) => setTimeout(resolve, 20));
      expect((await ledger.read()).trimEnd().split('\n')).toHaveLength(2);
      held.shift()!();
      expect((await first).seq).toBe(1);
      await vi.waitFor(async () => expect((await ledger.read()).trimEnd().split('\n')).toHaveLength(4));
      // The first fsync started before the second write: the second waits for an fsync of its own.
      await vi.waitFor(() => expect(held).toHaveLength(1));
      expect(resolved).toBe(1);
      held.shift()!();
      expect((await second).seq).toBe(2);
      await vi.waitFor(() => expect(held).toHaveLength(1));
      held.shift()!();
      expect((await Promise.all(later)).map((e) => e.seq)).toEqual([3, 4]);
      await batcher.flush();
    } finally {
      fsync.mockRestore();
    }
    expect(checkLedger(await ledger.read())).toMatchObject({ ok: true, entries: 4 });
  });
});
