import { mkdir, mkdtemp, readdir, readFile, realpath, rm, writeFile } from 'node:fs/promises';
import { connect } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { hmacHex, TokenStore } from '@sdetkit/channels';
import { checkLedger, WorkspaceInUseError, withFileLock } from '@sdetkit/core-runs';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { createServer, SdetkitServer } from '../src/create-server.js';
import { testServer } from './test-server.js';

let root: string;
let server: SdetkitServer;
let base: string;

async function start(extra: Partial<Parameters<typeof createServer>[0]> = {}) {
  server = testServer(root, extra);
  const { port } = await server.listen();
  base = `http://127.0.0.1:${port}`;
}

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'sdetkit-server-')));
});
afterEach(async () => {
  await server?.close();
  await rm(root, { recursive: true, force: true });
});

const post = (route: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${base}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: typeof body === 'string' ? body : JSON.stringify(body),
  });
const WRITE = 'action fs.write {"path":".sdetkit/agent/workdir/x.txt","content":"x"}';
const lines = async (channel: string, file: string) =>
  (await readFile(path.join(root, '.sdetkit/agent/conversations', channel, file), 'utf8'))
    .trimEnd()
    .split('\n')
    .map((l) => JSON.parse(l));

describe('POST /webhook/generic', () => {
  it('runs the text as a task and answers with the contract shape', async () => {
    await start();
    const response = await post('/webhook/generic', { channel: 'ci', user_id: 'alice', text: WRITE });
    expect(response.status).toBe(200);
    const body = (await response.json()) as {
      ok: boolean;
      result: { status: string; hash: string; rate: { remaining: number } };
    };
    expect(body).toMatchObject({
      ok: true,
      result: { status: 'ok', hash: expect.stringMatching(/^[0-9a-f]{64}$/), rate: { capacity: 100 } },
    });
    expect(await readdir(path.join(root, '.sdetkit/agent/history'))).toContain(`${body.result.hash}.json`);
    expect(await lines('ci', 'alice.jsonl')).toEqual([
      expect.objectContaining({ text: WRITE, status: 'ok', hash: body.result.hash }),
    ]);
  });

  it.each([
    ['non-JSON', 'not json', { 'content-type': 'application/json' }, 400],
    ['a missing field', JSON.stringify({ channel: 'ci', text: 'x' }), {}, 400],
    [
      'a wrong content type',
      JSON.stringify({ channel: 'ci', user_id: 'u', text: 'x' }),
      { 'content-type': 'text/plain' },
      415,
    ],
  ])('answers %s with a JSON error', async (_, body, headers, status) => {
    await start();
    const response = await post('/webhook/generic', body, headers);
    expect(response.status).toBe(status);
    expect(await response.json()).toMatchObject({ ok: false, error: expect.any(String) });
  });

  it('refuses an oversized body with 413 without reading it all', async () => {
    await start({ bodyLimitBytes: 1024 });
    const response = await post('/webhook/generic', { channel: 'ci', user_id: 'u', text: 'x'.repeat(4096) });
    expect(response.status).toBe(413);
  });

  it('rate-limits per user, logging limited events too', async () => {
    await start({ rateLimit: { maxTokens: 2, refillPerSecond: 0.001 } });
    const statuses = [];
    for (let i = 0; i < 3; i++)
      statuses.push(
        (
          (await (await post('/webhook/generic', { channel: 'ci', user_id: 'bob', text: WRITE })).json()) as {
            result: { status: string };
          }
        ).result.status,
      );
    expect(statuses).toEqual(['ok', 'ok', 'rate_limited']);
    expect((await post('/webhook/generic', { channel: 'ci', user_id: 'carol', text: WRITE })).status).toBe(
      200,
    );
    expect((await lines('ci', 'bob.jsonl')).map((l) => l.status)).toEqual(['ok', 'ok', 'rate_limited']);
  });

  it('keeps every line of 16 concurrent messages from one user', async () => {
    await start();
    const responses = await Promise.all(
      Array.from({ length: 16 }, (_, i) =>
        post('/webhook/generic', {
          channel: 'ci',
          user_id: 'dave',
          text: `action fs.write {"path":".sdetkit/agent/workdir/${i}.txt","content":"${i}"}`,
        }),
      ),
    );
    expect(responses.every((r) => r.status === 200)).toBe(true);
    const logged = await lines('ci', 'dave.jsonl');
    expect(logged).toHaveLength(16);
    expect(new Set(logged.map((l) => l.text)).size).toBe(16);
    // While serving, the ledger's lock token is kept between appends; closing removes it.
    const agentDir = path.join(root, '.sdetkit/agent');
    const temps = async () => (await readdir(agentDir)).filter((n) => n.startsWith('.sdetkit-tmp-'));
    expect(await temps()).toEqual([expect.stringMatching(/^\.sdetkit-tmp-ledger\.lock\./)]);
    await server.close();
    expect(await temps()).toEqual([]);
  });

  it('answers the same text from several users at once with one run each user sees', async () => {
    // Same text, same second: the same record (same hash), stored and ledgered once.
    await start();
    const responses = await Promise.all(
      Array.from({ length: 6 }, (_, i) =>
        post('/webhook/generic', { channel: 'ci', user_id: `u${i}`, text: WRITE }),
      ),
    );
    expect(responses.map((r) => r.status)).toEqual(Array(6).fill(200));
    const hashes = await Promise.all(
      responses.map(async (r) => ((await r.json()) as { result: { hash: string } }).result.hash),
    );
    const history = (await readdir(path.join(root, '.sdetkit/agent/history'))).filter((f) =>
      f.endsWith('.json'),
    );
    expect(history.length).toBe(new Set(hashes).size);
    const ledger = await readFile(path.join(root, '.sdetkit/agent/ledger.jsonl'), 'utf8');
    expect(ledger.match(/"kind":"run"/g)).toHaveLength(history.length);
    for (let i = 0; i < 6; i++) expect(await lines('ci', `u${i}.jsonl`)).toHaveLength(1);
  });

  it('keeps a user id like ../../etc inside the conversations folder', async () => {
    await start();
    await post('/webhook/generic', { channel: 'ci', user_id: '../../etc', text: WRITE });
    expect(await readdir(path.join(root, '.sdetkit/agent/conversations/ci'))).toEqual([
      '%2E%2E%2F%2E%2E%2Fetc.jsonl',
    ]);
  });

  it('answers a crash of one request with 500 JSON and keeps serving', async () => {
    await start();
    await mkdir(path.join(root, '.sdetkit/agent'), { recursive: true });
    await writeFile(path.join(root, '.sdetkit/agent/history'), 'not a folder');
    const broken = await post('/webhook/generic', { channel: 'ci', user_id: 'erin', text: WRITE });
    expect(broken.status).toBe(500);
    expect(await broken.json()).toEqual({ ok: false, error: 'internal error' });
    await rm(path.join(root, '.sdetkit/agent/history'));
    expect((await post('/webhook/generic', { channel: 'ci', user_id: 'erin', text: WRITE })).status).toBe(
      200,
    );
  });
});

describe('POST /webhook/generic with requireAuth', () => {
  it('takes a runs:write token of this tenant and refuses everything else without saying why', async () => {
    const tokens = new TokenStore(path.join(root, '.sdetkit/agent/tokens.json'));
    const create = async (
      name: string,
      scopes: ('runs:read' | 'runs:write')[],
      tenant: string | null = null,
    ) => (await tokens.create({ name, scopes, tenant, expiresInSeconds: null })).token;
    await start({ requireAuth: true, tokens });
    const event = { channel: 'ci', user_id: 'bob', text: WRITE };
    const as = (token?: string) =>
      post('/webhook/generic', event, token ? { authorization: `Bearer ${token}` } : {});
    for (const token of [undefined, 'sdk_unknown']) {
      const refused = await as(token);
      expect(refused.status).toBe(401);
      expect(await refused.json()).toEqual({ ok: false, error: 'unauthorized' });
    }
    expect((await as(await create('reader', ['runs:read']))).status).toBe(403);
    expect((await as(await create('acme', ['runs:write'], 'acme'))).status).toBe(403);
    const allowed = await as(await create('writer', ['runs:write']));
    expect(await allowed.json()).toMatchObject({ ok: true, result: { status: 'ok' } });
    expect((await lines('ci', 'bob.jsonl')).map((l) => l.status)).toEqual(['ok']);
    expect(await (await fetch(`${base}/metrics`)).text()).toMatch(/verification_failures_total 2/);
  });

  it('lets the signing secret stand in for a token when one is configured', async () => {
    await start({ requireAuth: true, secrets: { genericWebhook: 'hook-secret' } });
    const raw = JSON.stringify({ channel: 'ci', user_id: 'bob', text: WRITE });
    const signed = await post('/webhook/generic', raw, {
      'x-sdetkit-signature': `sha256=${hmacHex('hook-secret', raw)}`,
    });
    expect(signed.status).toBe(200);
    expect((await post('/webhook/generic', raw)).status).toBe(401);
  });
});

describe('POST /webhook/telegram', () => {
  const update = { update_id: 99, message: { message_id: 1, text: WRITE, chat: { id: 5 }, from: { id: 7 } } };

  it('checks the secret token and answers a replayed update with the first result', async () => {
    await start();
    expect(
      (await post('/webhook/telegram', update, { 'x-telegram-bot-api-secret-token': 'nope' })).status,
    ).toBe(401);
    const first = (await (
      await post('/webhook/telegram', update, { 'x-telegram-bot-api-secret-token': 'tg-secret' })
    ).json()) as { result: { hash: string } };
    const again = (await (
      await post('/webhook/telegram', update, { 'x-telegram-bot-api-secret-token': 'tg-secret' })
    ).json()) as { result: { hash: string; duplicate: boolean } };
    expect(again.result).toMatchObject({ hash: first.result.hash, duplicate: true });
    expect(await lines('telegram', '5%3A7.jsonl')).toHaveLength(1);
    expect(server.metrics.render()).toContain('sdetkit_duplicate_deliveries_total 1');
  });

  it('answers an update redelivered after a restart with the first result, and runs nothing', async () => {
    const headers = { 'x-telegram-bot-api-secret-token': 'tg-secret' };
    await start();
    const first = (await (await post('/webhook/telegram', update, headers)).json()) as {
      result: { hash: string };
    };
    await server.close();
    await start();
    const again = (await (await post('/webhook/telegram', update, headers)).json()) as {
      result: { hash: string; duplicate: boolean };
    };
    expect(again.result).toMatchObject({ hash: first.result.hash, duplicate: true });
    expect(await lines('telegram', '5%3A7.jsonl')).toHaveLength(1);
    expect(await readdir(path.join(root, '.sdetkit/agent/history'))).toEqual([
      '.pending',
      `${first.result.hash}.json`,
    ]);
    const kept = (await readFile(path.join(root, '.sdetkit/agent/deliveries.jsonl'), 'utf8'))
      .trimEnd()
      .split('\n');
    expect(kept.map((line) => JSON.parse(line))).toEqual([
      { key: 'telegram:99', result: expect.objectContaining({ hash: first.result.hash }) },
    ]);
  });
});

describe('POST /webhook/slack', () => {
  const sign = (raw: string, ts = Math.floor(Date.now() / 1000)) => ({
    'x-slack-request-timestamp': String(ts),
    'x-slack-signature': `v0=${hmacHex('slack-secret', `v0:${ts}:${raw}`)}`,
  });

  it('verifies first, answers url_verification, acknowledges events at once and runs them in the background', async () => {
    await start();
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'abc' });
    expect(await (await post('/webhook/slack', challenge, sign(challenge))).json()).toEqual({
      challenge: 'abc',
    });
    expect(
      (await post('/webhook/slack', challenge, { ...sign(challenge), 'x-slack-signature': 'v0=bad' })).status,
    ).toBe(401);
    expect(
      (await post('/webhook/slack', challenge, sign(challenge, Math.floor(Date.now() / 1000) - 600))).status,
    ).toBe(401);
    const event = JSON.stringify({
      type: 'event_callback',
      team_id: 'T1',
      event_id: 'Ev9',
      event: { type: 'message', user: 'U1', text: WRITE, channel: 'C1', ts: '1.2' },
    });
    const ack = await post('/webhook/slack', event, sign(event));
    expect(await ack.json()).toEqual({ ok: true, result: { status: 'accepted' } });
    await server.close();
    expect(await lines('slack', 'T1%3AU1.jsonl')).toEqual([
      expect.objectContaining({ status: 'ok', conversation_id: 'C1:1.2' }),
    ]);
  });
});

describe('operations', () => {
  it('serves health, readiness, metrics and JSON 404s', async () => {
    await start();
    expect(await (await fetch(`${base}/healthz`)).json()).toEqual({ ok: true });
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ ok: true, ready: true });
    await post('/webhook/generic', { channel: 'ci', user_id: 'm', text: WRITE });
    const metrics = await (await fetch(`${base}/metrics`)).text();
    expect(metrics).toContain('sdetkit_http_requests_total{route="/webhook/generic",status="200"} 1');
    expect(metrics).toContain('sdetkit_runs_total{status="ok"} 1');
    expect(metrics).toContain('sdetkit_record_saves_total{by="writer_thread"} 1');
    expect(metrics).toContain('sdetkit_record_saves_total{by="main_thread"} 0');
    expect(metrics).toMatch(/\nsdetkit_writer_batches_total 1\n/);
    expect(metrics).toMatch(/\n# TYPE sdetkit_rate_limit_buckets gauge\nsdetkit_rate_limit_buckets 1\n/);
    const missing = await fetch(`${base}/nope`);
    expect(missing.status).toBe(404);
    expect(await missing.json()).toEqual({ ok: false, error: 'not found' });
  });

  it('refuses a second server on the same workspace, naming the first, until the first has closed', async () => {
    await start();
    const second = testServer(root);
    const refused = await second.listen().catch((error: unknown) => error);
    expect(refused).toBeInstanceOf(WorkspaceInUseError);
    expect((refused as WorkspaceInUseError).holder).toEqual({ pid: process.pid, url: base });
    // The first keeps serving.
    expect((await post('/webhook/generic', { channel: 'ci', user_id: 'm', text: WRITE })).status).toBe(200);
    await server.close();
    server = second;
    base = `http://127.0.0.1:${(await second.listen()).port}`;
    expect(await (await fetch(`${base}/readyz`)).json()).toEqual({ ok: true, ready: true });
  });

  it('claims the tenants root in multi-tenant mode, whatever folder each server starts in', async () => {
    const tenants = path.join(root, 'tenants');
    await mkdir(path.join(tenants, 'acme'), { recursive: true });
    await mkdir(path.join(root, 'elsewhere'));
    await start({ tenantsRoot: tenants });
    const other = testServer(path.join(root, 'elsewhere'), { tenantsRoot: tenants });
    await expect(other.listen()).rejects.toMatchObject({ folder: tenants, holder: { url: base } });
    await other.close();
    // A single-workspace server elsewhere is another workspace.
    const single = testServer(path.join(root, 'elsewhere'));
    await single.listen();
    await single.close();
  });
});

describe('record saves', () => {
  it('saves on the main thread while another process holds the ledger lock, and counts where each was saved', async () => {
    await start();
    await post('/webhook/generic', { channel: 'ci', user_id: 'm', text: 'first' });
    // A CLI run appending to the ledger: the writer thread leaves the record to the main thread, which waits.
    let release = () => {};
    let held = () => {};
    const acquired = new Promise<void>((resolve) => {
      held = resolve;
    });
    const holding = withFileLock(path.join(root, '.sdetkit/agent/ledger.lock'), () => {
      held();
      return new Promise<void>((resolve) => {
        release = resolve;
      });
    });
    await acquired;
    const answer = post('/webhook/generic', { channel: 'ci', user_id: 'm', text: 'second' });
    // Until the writer thread has found the lock taken and left the record to the main thread.
    for (const deadline = Date.now() + 10_000; !server.metrics.render().includes('{by="main_thread"} 1'); ) {
      if (Date.now() > deadline) throw new Error('the record was not left to the main thread within 10 s');
      await new Promise((resolve) => setTimeout(resolve, 10));
    }
    release();
    await holding;
    const body = (await (await answer).json()) as { result: { hash: string } };
    expect(await readdir(path.join(root, '.sdetkit/agent/history'))).toContain(`${body.result.hash}.json`);
    const ledger = await readFile(path.join(root, '.sdetkit/agent/ledger.jsonl'), 'utf8');
    expect(checkLedger(ledger)).toMatchObject({ ok: true, entries: 2 });
    const metrics = server.metrics.render();
    expect(metrics).toContain('sdetkit_record_saves_total{by="writer_thread"} 1');
    expect(metrics).toContain('sdetkit_record_saves_total{by="main_thread"} 1');
  });
});

describe('slow clients', () => {
  it('answers a client that never finishes its headers with 408 and keeps serving others', async () => {
    await start({ timeouts: { headersMs: 300 } });
    const { port } = new URL(base);
    const slow = connect(Number(port), '127.0.0.1');
    slow.write('POST /webhook/generic HTTP/1.1\r\nHost: x\r\n'); // and never more
    let answer = '';
    slow.on('data', (chunk) => {
      answer += chunk;
    });
    const closed = new Promise((resolve) => slow.once('close', resolve));
    expect((await post('/webhook/generic', { channel: 'ci', user_id: 'fast', text: WRITE })).status).toBe(
      200,
    );
    await closed;
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
  });
});

describe('request logs', () => {
  it('writes one JSON line per request and never tokens, signatures or bodies', async () => {
    const { pino } = await import('pino');
    const { Writable } = await import('node:stream');
    const lines: string[] = [];
    const sink = new Writable({
      write(chunk, _enc, done) {
        lines.push(...String(chunk).trim().split('\n'));
        done();
      },
    });
    await start({ logger: pino({ level: 'info' }, sink), secrets: { genericWebhook: 'hook-secret' } });
    const raw = JSON.stringify({ channel: 'ci', user_id: 'zed', text: 'secret-task-text' });
    await post('/webhook/generic?token=sdk_in_query', raw, {
      'x-sdetkit-signature': `sha256=${hmacHex('hook-secret', raw)}`,
      authorization: 'Bearer sdk_should_not_appear',
    });
    await fetch(`${base}/healthz`);
    const entries = lines
      .map((l) => JSON.parse(l) as Record<string, unknown>)
      .filter((e) => e.msg === 'request');
    expect(entries).toEqual([
      expect.objectContaining({
        method: 'POST',
        path: '/webhook/generic',
        route: '/webhook/generic',
        status: 200,
      }),
      expect.objectContaining({ method: 'GET', path: '/healthz', status: 200 }),
    ]);
    const all = lines.join('\n');
    for (const secret of [
      'sdk_in_query',
      'sdk_should_not_appear',
      'hook-secret',
      'secret-task-text',
      'sha256=',
    ])
      expect(all).not.toContain(secret);
  });
});
