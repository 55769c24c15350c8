import { mkdir, readdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { FileHistoryStore } from './history-store.js';
import { checkLedger, Ledger } from './ledger.js';
import { applyRetention, parseDuration } from './retention.js';
import { minimalRecord } from './testing/minimal-record.js';
import { createTempWorkspace } from './testing/temp-workspace.js';
import { verifyHistory } from './verify-history.js';

let ws: Awaited<ReturnType<typeof createTempWorkspace>>;
let store: FileHistoryStore;
let ledger: Ledger;
const agent = '.sdetkit/agent';

beforeEach(async () => {
  ws = await createTempWorkspace();
  store = new FileHistoryStore(path.join(ws.root, agent, 'history'), `${agent}/history`);
  ledger = new Ledger(path.join(ws.root, agent));
  for (const [task, day] of [
    ['old', '01'],
    ['mid', '15'],
    ['new', '28'],
  ] as const) {
    const record = minimalRecord(task, `2024-02-${day}T00:00:00Z`);
    await store.save(record);
    await ledger.append({ kind: 'run', hash: record.hash, captured_at: record.captured_at });
  }
  await mkdir(path.join(ws.root, agent, 'template-runs/t-old'), { recursive: true });
  await writeFile(
    path.join(ws.root, agent, 'template-runs/t-old/run-record.json'),
    '{"captured_at":"2024-01-01T00:00:00Z"}',
  );
  await mkdir(path.join(ws.root, agent, 'conversations/slack'), { recursive: true });
  const conversation = path.join(ws.root, agent, 'conversations/slack/u1.jsonl');
  await writeFile(conversation, '{}\n');
  await utimes(conversation, new Date('2024-01-01'), new Date('2024-01-01'));
});
afterEach(() => ws.cleanup());

const targets = () => ({
  history: store,
  ledger,
  templateRunsDir: {
    absolute: path.join(ws.root, agent, 'template-runs'),
    relative: `${agent}/template-runs`,
  },
  conversationsDir: {
    absolute: path.join(ws.root, agent, 'conversations'),
    relative: `${agent}/conversations`,
  },
});
const now = new Date('2024-03-01T00:00:00Z');

describe('applyRetention', () => {
  it('dry-runs without touching anything', async () => {
    const result = await applyRetention({ maxAgeSeconds: parseDuration('20d') }, targets(), {
      now,
      dryRun: true,
    });
    expect(result.removed.history).toHaveLength(1);
    expect(result.removed.template_runs).toEqual([`${agent}/template-runs/t-old`]);
    expect(result.removed.conversations).toEqual([`${agent}/conversations/slack/u1.jsonl`]);
    expect((await store.list()).records).toHaveLength(3);
  });

  it('prunes old records with tombstones so verify still passes', async () => {
    const result = await applyRetention({ maxAgeSeconds: parseDuration('20d') }, targets(), {
      now,
      dryRun: false,
    });
    expect(result.kept.history).toBe(2);
    expect((await store.list()).records.map((r) => r.task)).toEqual(['new', 'mid']);
    expect(await readdir(path.join(ws.root, agent, 'template-runs'))).toEqual([]);
    const text = await ledger.read();
    expect(checkLedger(text)).toMatchObject({ ok: true, entries: 4 });
    const verify = await verifyHistory({
      historyDir: path.join(ws.root, agent, 'history'),
      displayHistoryDir: `${agent}/history`,
      ledgerText: text,
      displayLedger: `${agent}/ledger.jsonl`,
    });
    expect(verify).toMatchObject({ ok: true, records: 2 });
  });

  it('keeps the newest N whatever their age', async () => {
    const result = await applyRetention({ maxAgeSeconds: parseDuration('1d'), keepLast: 2 }, targets(), {
      now,
      dryRun: false,
    });
    expect(result.removed.history).toHaveLength(1);
    expect((await store.list()).records.map((r) => r.task)).toEqual(['new', 'mid']);
    const onlyKeep = await applyRetention({ keepLast: 1 }, targets(), { now, dryRun: false });
    expect(onlyKeep.kept.history).toBe(1);
  });

  it('refuses a policy with neither bound and a malformed duration', async () => {
    await expect(applyRetention({}, targets(), { now, dryRun: true })).rejects.toThrow(
      /--max-age, --keep-last/,
    );
    expect(() => parseDuration('thirty days')).toThrow(/--max-age: expected a duration/);
    // Seconds are not a unit: the message lists the ones there are.
    expect(() => parseDuration('30s', '--retention-interval')).toThrow(
      '--retention-interval: expected a duration: a whole number and m, h, d or w (minutes, hours, days, weeks), like 90m, 12h or 30d; got "30s"',
    );
    expect(parseDuration('90m')).toBe(5400);
    expect(() => parseDuration('0d', '--expires')).toThrow('--expires: must be longer than 0, got "0d"');
    expect(parseDuration('2w')).toBe(14 * 86400);
  });
});
