import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { TokenStore } from '@sdetkit/channels';
import { createBuiltinRegistry } from '@sdetkit/core-runs';
import { parseTemplate, TemplateCatalog } from '@sdetkit/templates';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SdetkitServer } from '../src/create-server.js';
import { testServer } from './test-server.js';

let root: string;
let server: SdetkitServer;
let base: string;
let tokens: TokenStore;
const tokenFor = async (
  name: string,
  scopes: Parameters<TokenStore['create']>[0]['scopes'],
  tenant: string | null = null,
  expiresInSeconds: number | null = null,
) => (await tokens.create({ name, scopes, tenant, expiresInSeconds })).token;

const TEMPLATE = parseTemplate(
  'metadata: {id: note, title: Note, version: 1.0.0, description: d}\nworkflow:\n  - {id: w, action: fs.write, with: {path: "${{run.output_dir}}/n.txt", content: hi}}\n',
  'note.yaml',
);

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'sdetkit-api-')));
  tokens = new TokenStore(path.join(root, '.sdetkit/agent/tokens.json'));
  server = testServer(root, {
    runtime: () => ({
      registry: createBuiltinRegistry(),
      planners: [],
      catalog: async () => TemplateCatalog.fromTemplates([TEMPLATE]),
    }),
    tokens,
  });
  base = `http://127.0.0.1:${(await server.listen()).port}`;
});
afterEach(async () => {
  await server.close();
  await rm(root, { recursive: true, force: true });
});

const api = (route: string, token: string | undefined, init: RequestInit = {}) =>
  fetch(`${base}/api/v1${route}`, {
    ...init,
    headers: {
      'content-type': 'application/json',
      ...(token ? { authorization: `Bearer ${token}` } : {}),
      ...init.headers,
    },
  });
const WRITE = 'action fs.write {"path":".sdetkit/agent/workdir/a.txt","content":"x"}';

describe('/api/v1 authentication', () => {
  it('answers missing, unknown, expired and revoked tokens with the same 401', async () => {
    const revoked = await tokenFor('revoked', ['runs:read']);
    await tokens.revoke('revoked');
    const expired = await tokenFor('expired', ['runs:read'], null, -1);
    const bodies = [];
    for (const token of [undefined, 'sdk_nope', revoked, expired, 'Basic abc']) {
      const response = await api('/runs', token);
      expect(response.status).toBe(401);
      bodies.push(await response.json());
    }
    expect(new Set(bodies.map((b) => JSON.stringify(b)))).toEqual(
      new Set(['{"ok":false,"error":"unauthorized"}']),
    );
  });

  it('answers a token without the scope, or of another tenant, with 403', async () => {
    const reader = await tokenFor('reader', ['runs:read']);
    expect(
      (await api('/runs', reader, { method: 'POST', body: JSON.stringify({ task: WRITE }) })).status,
    ).toBe(403);
    const otherTenant = await tokenFor('acme', ['runs:read'], 'acme');
    expect((await api('/runs', otherTenant)).status).toBe(403);
  });
});

describe('/api/v1 runs, templates, dashboards', () => {
  it('starts a run, lists and fetches it, and 404s an unknown hash', async () => {
    const token = await tokenFor('ops', ['runs:read', 'runs:write']);
    const started = await api('/runs', token, { method: 'POST', body: JSON.stringify({ task: WRITE }) });
    expect(started.status).toBe(201);
    const { run } = (await started.json()) as { run: { hash: string; status: string } };
    expect(run.status).toBe('ok');
    const list = (await (await api('/runs?status=ok&limit=10', token)).json()) as {
      runs: { hash: string }[];
      total: number;
    };
    expect(list).toMatchObject({ total: 1, runs: [{ hash: run.hash }] });
    expect((await (await api('/runs?status=error', token)).json()) as object).toMatchObject({ total: 0 });
    expect(await (await api(`/runs/${run.hash}`, token)).json()).toMatchObject({
      ok: true,
      run: { hash: run.hash },
    });
    expect((await api(`/runs/${'e'.repeat(64)}`, token)).status).toBe(404);
    const page = (await (await api('/runs?limit=1&offset=1', token)).json()) as object;
    expect(page).toMatchObject({ total: 1, runs: [], next_offset: null });
    for (const [query, error] of [
      ['limit=0', 'limit: a whole number from 1 to 500'],
      ['limit=501', 'limit: a whole number from 1 to 500'],
      ['limit=abc', 'limit: a whole number from 1 to 500'],
      ['limit=1.5', 'limit: a whole number from 1 to 500'],
      ['offset=-1', 'offset: a whole number, 0 or more'],
      ['status=bogus', 'status: ok or error'],
      [
        'since=yesterday',
        'since: expected an ISO date (2024-03-01) or timestamp (2024-03-01T12:00:00Z), got "yesterday"',
      ],
      [
        'since=2024-03-02&until=2024-03-01',
        'since (2024-03-02T00:00:00Z) is after until (2024-03-01T23:59:59Z)',
      ],
    ]) {
      const response = await api(`/runs?${query}`, token);
      expect([query, response.status, await response.json()]).toEqual([query, 400, { ok: false, error }]);
    }
    expect((await api('/runs', token, { method: 'POST', body: '{"nope":1}' })).status).toBe(400);
  });

  it('lists and runs templates with templates:run', async () => {
    const token = await tokenFor('tpl', ['runs:read', 'templates:run']);
    expect(await (await api('/templates', token)).json()).toMatchObject({
      ok: true,
      templates: [{ id: 'note', version: '1.0.0' }],
    });
    const run = await api('/templates/note/run', token, { method: 'POST', body: '{}' });
    expect(run.status).toBe(201);
    expect(await run.json()).toMatchObject({ ok: true, run: { template: 'note', status: 'ok' } });
    expect((await api('/templates/missing/run', token, { method: 'POST', body: '{}' })).status).toBe(404);
    expect((await api('/templates/note/run', token, { method: 'POST' })).status).toBe(201);
    for (const [body, error] of [
      ['not json', 'body must be {"inputs": {...}}'],
      ['{"inputs": []}', 'body must be {"inputs": {...}}'],
      ['{"inputs": {"bogus": 1}}', 'inputs.bogus: unknown input for note (inputs: none)'],
    ]) {
      const response = await api('/templates/note/run', token, { method: 'POST', body });
      expect([body, response.status, await response.json()]).toEqual([body, 400, { ok: false, error }]);
    }
  });

  it('serves the dashboard in every format and the history CSV', async () => {
    const writer = await tokenFor('w', ['runs:write']);
    await api('/runs', writer, { method: 'POST', body: JSON.stringify({ task: WRITE }) });
    const reader = await tokenFor('d', ['dashboard:read']);
    const json = await api('/dashboard', reader);
    expect(((await json.json()) as { runs: { total: number } }).runs.total).toBe(1);
    const html = await api('/dashboard?format=html', reader);
    expect(html.headers.get('content-type')).toMatch(/^text\/html/);
    expect(await html.text()).toContain('data-testid="total-runs">1<');
    expect((await api('/dashboard?format=pdf', reader)).status).toBe(400);
    const csv = await api('/history.csv', reader);
    expect((await csv.text()).split('\n')[0]).toBe('captured_at,hash,status,task,action_count');
    expect((await api('/dashboard?since=yesterday', reader)).status).toBe(400);
  });
});
