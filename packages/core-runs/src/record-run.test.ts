import { spawnSync } from 'node:child_process';
import { access, mkdir, readdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { defaultAgentConfig } from '@sdetkit/policy';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { ConfigStore } from './config-store.js';
import { withFileLock } from './file-lock.js';
import { FileHistoryStore, PENDING_DIR, serializeRunRecord } from './history-store.js';
import { checkLedger, Ledger } from './ledger.js';
import { LedgerBatcher } from './ledger-batcher.js';
import { HOST_TAG } from './process-alive.js';
import { recordRun, recoverInterruptedRuns } from './record-run.js';
import { minimalRecord } from './testing/minimal-record.js';
import { createTempWorkspace } from './testing/temp-workspace.js';
import { ThreadedFileWriter } from './threaded-writer.js';

let ws: Awaited<ReturnType<typeof createTempWorkspace>>;
let agentDir: string;
let history: FileHistoryStore;
const record = minimalRecord('t', '2024-01-01T00:00:00Z');
const finalFile = () => path.join(agentDir, 'history', `${record.hash}.json`);
const exists = (file: string) =>
  access(file).then(
    () => true,
    () => false,
  );

beforeEach(async () => {
  ws = await createTempWorkspace();
  agentDir = path.join(ws.root, '.sdetkit/agent');
  history = new FileHistoryStore(path.join(agentDir, 'history'), '.sdetkit/agent/history');
});
afterEach(() => ws.cleanup());

describe('recordRun', () => {
  it('publishes the record only after its ledger entry is written', async () => {
    const ledger = new Ledger(agentDir);
    const seen: boolean[] = [];
    await recordRun(record, {
      config: defaultAgentConfig(),
      configs: new ConfigStore(agentDir),
      history,
      ledger: {
        read: () => ledger.read(),
        append: async (entry) => {
          seen.push(await exists(finalFile()));
          return ledger.append(entry);
        },
      },
    });
    expect(seen).toEqual([false]);
    expect(await exists(finalFile())).toBe(true);
    expect([...checkLedger(await ledger.read()).runs]).toEqual([record.hash]);
  });

  it('records the same run arriving several times at once once: one file, one ledger entry, no error', async () => {
    // Two chat users sending the same text in the same second produce the same record (same hash).
    const ledger = new LedgerBatcher(new Ledger(agentDir));
    const options = { config: defaultAgentConfig(), configs: new ConfigStore(agentDir), history, ledger };
    await Promise.all(Array.from({ length: 6 }, () => recordRun(record, options)));
    await recordRun(record, options);
    expect(await exists(finalFile())).toBe(true);
    expect(checkLedger(await ledger.read()).ok).toBe(true);
    expect((await ledger.read()).match(/"kind":"run"/g)).toHaveLength(1);
    expect(await readdir(path.join(agentDir, 'history/.pending'))).toEqual([]);
  });

  it('publishes what a killed process staged before recording its first run', async () => {
    const ledger = new Ledger(agentDir);
    const orphan = minimalRecord('orphan', '2024-01-02T00:00:00Z');
    const dead = spawnSync(process.execPath, ['-e', '0']).pid;
    await mkdir(path.join(agentDir, 'history/.pending'), { recursive: true });
    await writeFile(
      path.join(agentDir, `history/.pending/${orphan.hash}.${HOST_TAG}-${dead}.json`),
      serializeRunRecord(orphan),
    );
    await ledger.append({ kind: 'run', hash: orphan.hash, captured_at: orphan.captured_at });
    await recordRun(record, {
      config: defaultAgentConfig(),
      configs: new ConfigStore(agentDir),
      history,
      ledger,
    });
    expect(await exists(path.join(agentDir, `history/${orphan.hash}.json`))).toBe(true);
    expect(await readdir(path.join(agentDir, 'history/.pending'))).toEqual([]);
  });

  it('leaves nothing visible when the ledger append fails', async () => {
    await expect(
      recordRun(record, {
        config: defaultAgentConfig(),
        configs: new ConfigStore(agentDir),
        history,
        ledger: {
          read: async () => '',
          append: async () => {
            throw new Error('disk full');
          },
        },
      }),
    ).rejects.toThrow('disk full');
    expect(await exists(finalFile())).toBe(false);
    expect(await readdir(path.join(agentDir, 'history/.pending'))).toEqual([]);
    expect(await recoverInterruptedRuns(history, new Ledger(agentDir))).toEqual({
      recovered: [],
      discarded: 0,
      tokensRemoved: [],
    });
  });
});

/** Resolves once `condition` holds, checking every 10 ms; fails after 10 s. */
async function until(condition: () => boolean): Promise<void> {
  for (const deadline = Date.now() + 10_000; !condition(); ) {
    if (Date.now() > deadline) throw new Error('condition not met within 10 s');
    await new Promise((resolve) => setTimeout(resolve, 10));
  }
}

describe('recordRun before its first record', () => {
  it('removes the ledger lock token a killed process left, and keeps a live one', async () => {
    const dead = spawnSync(process.execPath, ['-e', '0']).pid!;
    const tokens = {
      dead: [`.sdetkit-tmp-ledger.lock.${dead}.00112233aabbccdd`, `${dead} 00112233aabbccdd ${HOST_TAG}\n`],
      live: [
        `.sdetkit-tmp-ledger.lock.${process.ppid}.44556677eeff0011`,
        `${process.ppid} 44556677eeff0011 ${HOST_TAG}\n`,
      ],
    };
    await mkdir(agentDir, { recursive: true });
    for (const [name, content] of Object.values(tokens))
      await writeFile(path.join(agentDir, name!), content!);
    const ledger = new Ledger(agentDir);
    await recordRun(record, {
      config: defaultAgentConfig(),
      configs: new ConfigStore(agentDir),
      history,
      ledger,
    });
    const names = await readdir(agentDir);
    expect(names).not.toContain(tokens.dead[0]);
    expect(names).toContain(tokens.live[0]);
  });
});

describe('recordRun through a ThreadedFileWriter', () => {
  it('leaves the ledger entry to the writer thread, and logs on this thread when the lock was taken', async () => {
    const writer = new ThreadedFileWriter();
    const threaded = new FileHistoryStore(path.join(agentDir, 'history'), '.sdetkit/agent/history', {
      writer,
    });
    const ledger = new LedgerBatcher(new Ledger(agentDir, { keepLockToken: true }));
    const options = {
      config: defaultAgentConfig(),
      configs: new ConfigStore(agentDir),
      history: threaded,
      ledger,
    };
    const onThisThread = vi.spyOn(Ledger.prototype, 'writeMany');
    try {
      await recordRun(record, options);
      expect(onThisThread).not.toHaveBeenCalled();
      expect((await threaded.get(record.hash)).hash).toBe(record.hash);

      // Another holder has the lock: the record waits staged, then this thread's batcher logs it once the lock is free.
      const second = minimalRecord('second', '2024-01-01T00:00:01Z');
      let release = () => {};
      let held = () => {};
      const acquired = new Promise<void>((resolve) => {
        held = resolve;
      });
      const holding = withFileLock(ledger.location.lockFile, () => {
        held();
        return new Promise<void>((resolve) => {
          release = resolve;
        });
      });
      await acquired;
      const saving = recordRun(second, options);
      // Until the writer thread has found the lock taken and left the record staged.
      await until(() => writer.stats().recordsLeftStaged === 1);
      expect(await exists(path.join(agentDir, 'history', `${second.hash}.json`))).toBe(false);
      release();
      await holding;
      await saving;
      expect(onThisThread).toHaveBeenCalledTimes(1);
      expect((await threaded.get(second.hash)).hash).toBe(second.hash);
      expect(checkLedger(await ledger.read())).toMatchObject({ ok: true, entries: 2 });
      expect(await readdir(path.join(agentDir, 'history', PENDING_DIR))).toEqual([]);

      // A repeat of the same run is a no-op, also when it arrives several times at once.
      const third = minimalRecord('third', '2024-01-01T00:00:02Z');
      await Promise.all(
        [record, ...Array.from({ length: 6 }, () => third)].map((r) => recordRun(r, options)),
      );
      expect(checkLedger(await ledger.read())).toMatchObject({ ok: true, entries: 3 });
      expect((await threaded.get(third.hash)).hash).toBe(third.hash);
    } finally {
      onThisThread.mockRestore();
      await ledger.flush();
      ledger.releaseLockToken();
      await writer.close();
    }
  });
});
