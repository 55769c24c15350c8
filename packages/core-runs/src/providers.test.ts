import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { type AgentConfig, createApprovalGate, defaultAgentConfig } from '@sdetkit/policy';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { createBuiltinRegistry } from './actions/builtin-actions.js';
import { createCachedProvider } from './cached-provider.js';
import { clockFromEnv } from './clock.js';
import { createLocalProvider } from './local-provider.js';
import { runTask } from './orchestrator.js';
import { createProviderFromConfig, isPrivateHost } from './provider-factory.js';
import { createTempWorkspace } from './testing/temp-workspace.js';

type Handler = (body: Record<string, unknown>, req: IncomingMessage, res: ServerResponse) => void;
let server: Server;
let url: string;
let handler: Handler;
let requests: Record<string, unknown>[];
let ws: Awaited<ReturnType<typeof createTempWorkspace>>;

beforeEach(async () => {
  ws = await createTempWorkspace();
  requests = [];
  server = createServer((req, res) => {
    let data = '';
    req.on('data', (c) => {
      data += c;
    });
    req.on('end', () => {
      const body = JSON.parse(data || '{}') as Record<string, unknown>;
      requests.push({ ...body, authorization: req.headers.authorization, path: req.url });
      handler(body, req, res);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await ws.cleanup();
});

const ollama =
  (response: string, status = 200): Handler =>
  (_b, _r, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(JSON.stringify({ response, prompt_eval_count: 120, eval_count: 30 }));
  };
const planOf = (actions: unknown[], note = 'write the greeting') => JSON.stringify({ actions, note });
const WRITE = { action: 'fs.write', params: { path: '.sdetkit/agent/workdir/hello.txt', content: 'hi' } };

function config(): AgentConfig {
  const c = defaultAgentConfig();
  c.provider.type = 'local';
  c.provider.endpoint = `${url}/api/generate`;
  c.provider.timeout_ms = 10_000;
  c.provider.max_retries = 2;
  return c;
}

function run(task: string, c = config(), cacheEnabled = true) {
  return runTask({
    task,
    workspaceRoot: ws.root,
    config: c,
    registry: createBuiltinRegistry(),
    approvalGate: createApprovalGate(),
    provider: createCachedProvider(createProviderFromConfig(c), {
      cacheDir: path.join(ws.root, '.sdetkit/agent/cache'),
      enabled: cacheEnabled,
    }),
    clock: clockFromEnv({ SOURCE_DATE_EPOCH: '1700000000' }),
  });
}

describe('local provider planning', () => {
  it('plans with the model, executes under policy, records the model note, and replays from cache', async () => {
    handler = (body, req, res) =>
      String(body.system).includes('You review')
        ? ollama('Greeting written.')(body, req, res)
        : ollama(planOf([WRITE]))(body, req, res);
    const first = await run('say hello in a file');
    expect(first.status).toBe('ok');
    expect(first.outputs.plan).toMatchObject({
      source: 'model',
      planned: 1,
      usage: { prompt_tokens: 120, completion_tokens: 30 },
    });
    expect(first.outputs.review).toMatchObject({ model_note: 'Greeting written.' });
    expect(first.cache.keys).toHaveLength(2);
    const planRequest = requests[0]!;
    expect(planRequest).toMatchObject({
      model: 'llama3',
      stream: false,
      format: 'json',
      path: '/api/generate',
    });
    expect(String(planRequest.system)).toContain('fs.write');
    const second = await run('say hello in a file');
    expect(second.hash).toBe(first.hash);
    expect(requests).toHaveLength(2);
    await run('say hello in a file', config(), false);
    expect(requests).toHaveLength(4);
  });

  it.each([
    ['an answer that is not JSON', 'sure! I will write the file', /model answer is not a JSON plan/],
    [
      'a plan naming an unknown action',
      planOf([{ action: 'rm.everything', params: {} }]),
      /unknown action: rm\.everything/,
    ],
    [
      'a plan with bad params',
      planOf([{ action: 'fs.write', params: { path: 'x' } }]),
      /invalid params for fs\.write: content/,
    ],
    ['a plan over budget', planOf(Array.from({ length: 5 }, () => WRITE)), /over budget max_actions=4/],
  ])('falls back to the rules for %s and records why', async (_, answer, reason) => {
    handler = ollama(answer);
    const record = await run('read the docs');
    expect(record.outputs.plan).toMatchObject({
      source: 'rules',
      fallback_reason: expect.stringMatching(reason),
    });
  });

  it('sends a model-planned dangerous action through policy: the model cannot approve it', async () => {
    handler = ollama(
      planOf([
        { action: 'fs.write', params: { path: 'src/evil.ts', content: 'x' } },
        { action: 'shell.run', params: { command: 'rm -rf .' } },
      ]),
    );
    const record = await run('clean up');
    expect(record.outputs.plan).toMatchObject({ source: 'model' });
    expect(record.actions.map((a) => [a.action, a.denied])).toEqual([
      ['fs.write', true],
      ['shell.run', true],
    ]);
    expect(record.status).toBe('error');
  });

  it('enforces the token budget when the provider reports usage', async () => {
    handler = ollama(planOf([WRITE]));
    const c = config();
    c.budgets.token_budget = 100;
    const record = await run('say hello', c);
    expect(record.outputs.plan).toMatchObject({
      source: 'rules',
      fallback_reason: 'token budget 100 exceeded by the plan request (150 tokens)',
    });
    expect(record.outputs.review).toMatchObject({ model_note: 'skipped: token budget reached' });
  });

  it('retries 429 then succeeds', async () => {
    let calls = 0;
    handler = (body, req, res) => {
      calls++;
      if (calls === 1) {
        res.writeHead(429, { 'retry-after': '0' });
        res.end('{}');
      } else ollama(planOf([WRITE]))(body, req, res);
    };
    const provider = createLocalProvider({
      endpoint: `${url}/api/generate`,
      model: 'm',
      timeoutMs: 10_000,
      maxRetries: 2,
      maxBytes: 1 << 20,
      sleep: async () => {},
    });
    const answer = await provider.complete({
      kind: 'plan',
      provider: 'local',
      model: 'm',
      task: 't',
      actions: [],
    });
    expect(answer.plan).toMatchObject({ actions: [WRITE] });
    expect(calls).toBe(2);
  });

  it.each([
    ['a timeout', () => () => {}, 'timeout'],
    [
      'a non-JSON body',
      () => (_b: unknown, _r: unknown, res: ServerResponse) => res.end('<html>'),
      'malformed',
    ],
    [
      'an oversized body',
      () => (_b: unknown, _r: unknown, res: ServerResponse) =>
        res.end(JSON.stringify({ response: 'x'.repeat(4096) })),
      'too-large',
    ],
  ])('fails clearly on %s', async (_, make, kind) => {
    handler = make() as Handler;
    const provider = createLocalProvider({
      endpoint: `${url}/api/generate`,
      model: 'm',
      timeoutMs: 200,
      maxRetries: 1,
      maxBytes: 1024,
      sleep: async () => {},
    });
    await expect(
      provider.complete({ kind: 'plan', provider: 'local', model: 'm', task: 't', actions: [] }),
    ).rejects.toMatchObject({ kind });
  });

  it('records an unreachable endpoint as a failed plan, status error', async () => {
    const c = config();
    c.provider.endpoint = 'http://127.0.0.1:9/api/generate';
    c.provider.max_retries = 0;
    const record = await run('say hello', c);
    expect(record.status).toBe('error');
    expect(record.steps[0]).toMatchObject({
      kind: 'plan',
      status: 'error',
      message: expect.stringMatching(/plan failed: 127\.0\.0\.1:9: cannot connect/),
    });
  });
});

describe('openai provider', () => {
  it('calls chat completions with the key from the named environment variable', async () => {
    handler = (_b, _r, res) => {
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          choices: [{ message: { content: planOf([WRITE]) } }],
          usage: { prompt_tokens: 10, completion_tokens: 5 },
        }),
      );
    };
    const c = defaultAgentConfig();
    c.provider.type = 'openai';
    c.provider.base_url = url;
    c.provider.model = 'gpt-test';
    c.provider.api_key_env = 'SDETKIT_TEST_KEY';
    const provider = createProviderFromConfig(c, { SDETKIT_TEST_KEY: 'sk-test-123' });
    const answer = await provider.complete({
      kind: 'plan',
      provider: 'openai',
      model: 'gpt-test',
      task: 't',
      actions: [],
    });
    expect(answer.plan).toMatchObject({ actions: [WRITE] });
    expect(requests[0]).toMatchObject({
      path: '/v1/chat/completions',
      authorization: 'Bearer sk-test-123',
      model: 'gpt-test',
      response_format: { type: 'json_object' },
    });
    expect(() => createProviderFromConfig(c, {})).toThrow(/environment variable SDETKIT_TEST_KEY is not set/);
  });
});

describe('isPrivateHost', () => {
  it.each([
    ['http://127.0.0.1:11434/x', true],
    ['http://localhost/x', true],
    ['http://10.1.2.3/', true],
    ['http://192.168.1.9/', true],
    ['http://172.20.0.1/', true],
    ['https://api.example.com/v1', false],
    ['http://8.8.8.8/', false],
  ])('%s is private: %s', (u, expected) => {
    expect(isPrivateHost(u)).toBe(expected);
  });
});
