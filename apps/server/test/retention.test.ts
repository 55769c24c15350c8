import { mkdir, mkdtemp, readdir, readFile, realpath, rm, utimes } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { LEDGER_FILE, verifyHistory } from '@sdetkit/core-runs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { ServerOptions } from '../src/create-server.js';
import { testServer } from './test-server.js';

const DAY = 86_400_000;
let root: string;
let now: Date;

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'sdetkit-retention-')));
  now = new Date(Date.now() - 40 * DAY);
});
afterEach(() => rm(root, { recursive: true, force: true }));

const serverFor = (extra: Partial<ServerOptions> = {}) => testServer(root, { clock: () => now, ...extra });

async function post(base: string, prefix: string, user: string, file: string) {
  const response = await fetch(`${base}${prefix}/webhook/generic`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({
      channel: 'ci',
      user_id: user,
      text: `action fs.write {"path":".sdetkit/agent/workdir/${file}","content":"x"}`,
    }),
  });
  expect(await response.json()).toMatchObject({ ok: true, result: { status: 'ok' } });
}

const verify = async (workspace: string) => {
  const agent = path.join(workspace, '.sdetkit/agent');
  return verifyHistory({
    historyDir: path.join(agent, 'history'),
    displayHistoryDir: 'history',
    ledgerText: await readFile(path.join(agent, LEDGER_FILE), 'utf8'),
    displayLedger: LEDGER_FILE,
  });
};

describe('scheduled retention', () => {
  it('sweeps when the server starts: old runs leave tombstones, old conversations go, new ones stay', async () => {
    const first = serverFor();
    const base = `http://127.0.0.1:${(await first.listen()).port}`;
    await post(base, '', 'old-user', 'old.txt');
    now = new Date();
    await post(base, '', 'new-user', 'new.txt');
    await first.close();
    const conversations = path.join(root, '.sdetkit/agent/conversations/ci');
    const aged = new Date(Date.now() - 40 * DAY);
    await utimes(path.join(conversations, 'old-user.jsonl'), aged, aged);

    const second = serverFor({ retention: { maxAgeSeconds: 30 * 86_400 } });
    await second.listen();
    await second.close(); // waits for the sweep started at listen
    expect(
      (await readdir(path.join(root, '.sdetkit/agent/history'))).filter((n) => n.endsWith('.json')),
    ).toHaveLength(1);
    expect(await readdir(conversations)).toEqual(['new-user.jsonl']);
    expect(await verify(root)).toMatchObject({ ok: true, records: 1 });
  });

  it('keeps the newest N, sweeps every tenant, reports what it removed, and counts it in /metrics', async () => {
    const tenants = path.join(root, 'tenants');
    for (const tenant of ['acme', 'globex']) await mkdir(path.join(tenants, tenant), { recursive: true });
    const server = serverFor({ tenantsRoot: tenants, retention: { maxAgeSeconds: 86_400, keepLast: 1 } });
    const base = `http://127.0.0.1:${(await server.listen()).port}`;
    await post(base, '/t/acme', 'a', 'one.txt');
    await post(base, '/t/acme', 'a', 'two.txt');
    await post(base, '/t/globex', 'g', 'one.txt');
    now = new Date();
    const results = await server.sweepRetention();
    expect(Object.keys(results)).toEqual(['acme', 'globex']);
    expect(results.acme?.removed.history).toHaveLength(1);
    expect(results.acme?.kept.history).toBe(1);
    expect(results.globex?.removed.history).toHaveLength(0);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/sdetkit_retention_removed_total 1\n/);
    await server.close();
    for (const tenant of ['acme', 'globex'])
      expect(await verify(path.join(tenants, tenant))).toMatchObject({ ok: true, records: 1 });
  });

  it('refuses a manual sweep when no schedule is configured', async () => {
    await expect(serverFor().sweepRetention()).rejects.toThrow(/no retention schedule/);
  });
});
