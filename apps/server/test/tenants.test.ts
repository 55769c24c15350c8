import { mkdir, mkdtemp, readdir, readFile, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TokenStore } from '@sdetkit/channels';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SdetkitServer } from '../src/create-server.js';
import { testServer } from './test-server.js';

let root: string;
let tenants: string;
let server: SdetkitServer;
let base: string;
let tokens: TokenStore;

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'sdetkit-tenants-')));
  tenants = path.join(root, 'tenants');
  await mkdir(path.join(tenants, 'acme'), { recursive: true });
  await mkdir(path.join(tenants, 'globex'), { recursive: true });
  tokens = new TokenStore(path.join(root, '.sdetkit/agent/tokens.json'));
  server = testServer(root, {
    tenantsRoot: tenants,
    rateLimit: { maxTokens: 1, refillPerSecond: 0.001 },
    tokens,
  });
  base = `http://127.0.0.1:${(await server.listen()).port}`;
});
afterEach(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

const post = (route: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: JSON.stringify(body),
  });
const status = async (response: Response) =>
  ((await response.json()) as { result: { status: string } }).result.status;
const WRITE = 'action fs.write {"path":".sdetkit/agent/workdir/x.txt","content":"x"}';
const api = (route: string, token: string) =>
  fetch(`${base}/api/v1${route}`, { headers: { authorization: `Bearer ${token}` } });

describe('multi-tenant webhooks', () => {
  it("keeps each tenant's conversations, history and rate limits in its own workspace", async () => {
    const event = { channel: 'ci', user_id: 'bob', text: WRITE };
    expect(await status(await post('/t/acme/webhook/generic', event))).toBe('ok');
    expect(await status(await post('/t/globex/webhook/generic', event))).toBe('ok');
    // bob's bucket in acme is empty; globex's bucket is its own.
    expect(await status(await post('/t/acme/webhook/generic', event))).toBe('rate_limited');
    await server.close();
    for (const tenant of ['acme', 'globex']) {
      const agent = path.join(tenants, tenant, '.sdetkit/agent');
      expect((await readdir(path.join(agent, 'history'))).filter((n) => n.endsWith('.json'))).toHaveLength(1);
      const lines = (await readFile(path.join(agent, 'conversations/ci/bob.jsonl'), 'utf8'))
        .trimEnd()
        .split('\n');
      expect(lines).toHaveLength(tenant === 'acme' ? 2 : 1);
      expect(JSON.parse(lines[0] ?? '{}')).toMatchObject({ status: 'ok' });
    }
    await expect(readdir(path.join(root, '.sdetkit/agent/history'))).rejects.toThrow();
  });

  it('treats the same delivery id in two tenants as two events', async () => {
    const event = { channel: 'ci', user_id: 'eve', text: WRITE };
    const key = { 'idempotency-key': 'delivery-1' };
    const acme = (await (await post('/t/acme/webhook/generic', event, key)).json()) as object;
    const globex = (await (await post('/t/globex/webhook/generic', event, key)).json()) as object;
    expect(acme).not.toHaveProperty('result.duplicate');
    expect(globex).not.toHaveProperty('result.duplicate');
    expect(await (await post('/t/acme/webhook/generic', event, key)).json()).toMatchObject({
      result: { duplicate: true },
    });
  });

  it('answers unknown, malformed and traversing tenants, and the bare routes, with 404', async () => {
    const event = { channel: 'ci', user_id: 'bob', text: WRITE };
    for (const route of [
      '/t/initech/webhook/generic',
      '/t/ACME/webhook/generic',
      '/t/..%2Facme/webhook/generic',
      '/t/.sdetkit/webhook/generic',
      '/webhook/generic',
    ]) {
      const response = await post(route, event);
      expect(response.status, route).toBe(404);
      expect(await response.json()).toEqual({ ok: false, error: 'not found' });
    }
    await expect(readdir(path.join(tenants, 'initech'))).rejects.toThrow();
  });
});

describe('multi-tenant /api/v1', () => {
  it("shows a token only its own tenant's runs and refuses tokens without a served tenant", async () => {
    const event = { channel: 'ci', user_id: 'bob', text: WRITE };
    await post('/t/globex/webhook/generic', event);
    const create = async (name: string, tenant: string | null) =>
      (await tokens.create({ name, scopes: ['runs:read'], tenant, expiresInSeconds: null })).token;
    const acme = await create('acme', 'acme');
    const globex = await create('globex', 'globex');
    const globexRuns = (await (await api('/runs', globex)).json()) as {
      total: number;
      runs: { hash: string }[];
    };
    expect(globexRuns.total).toBe(1);
    const hash = globexRuns.runs[0]?.hash ?? '';
    expect(await (await api('/runs', acme)).json()).toMatchObject({ ok: true, total: 0 });
    expect((await api(`/runs/${hash}`, acme)).status).toBe(404);
    expect((await api(`/runs/${hash}`, globex)).status).toBe(200);
    expect((await api('/runs', await create('everyone', null))).status).toBe(403);
    expect((await api('/runs', await create('initech', 'initech'))).status).toBe(403);
  });
});
