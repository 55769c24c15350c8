import { readdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { runCli, tempWorkspace } from './run-cli.js';

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let server: Server;
let calls: number;
const PLAN = JSON.stringify({
  actions: [
    {
      action: 'fs.write',
      params: { path: '.sdetkit/agent/workdir/model.txt', content: 'planned by a model' },
    },
  ],
  note: 'write the file',
});

beforeEach(async () => {
  ws = await tempWorkspace();
  calls = 0;
  server = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      calls++;
      const review = String((JSON.parse(body) as { system?: string }).system).includes('You review');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(
        JSON.stringify({
          response: review ? 'The file was written.' : PLAN,
          prompt_eval_count: 50,
          eval_count: 10,
        }),
      );
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as AddressInfo).port;
  await runCli(ws.root, ['agent', 'init']);
  await writeFile(
    path.join(ws.root, '.sdetkit/agent/config.yaml'),
    `provider:\n  type: local\n  endpoint: http://127.0.0.1:${port}/api/generate\n  model: tiny\n  timeout_ms: 10000\n`,
  );
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await ws.cleanup();
});

describe('agent run with provider local', () => {
  it('plans with the model, records it, replays from cache with the same hash, and --no-cache calls again', async () => {
    const env = { SOURCE_DATE_EPOCH: '1700000000' };
    const first = await runCli(ws.root, ['agent', 'run', 'write a file for me'], env);
    expect(first.code).toBe(0);
    expect(first.json).toMatchObject({
      status: 'ok',
      outputs: { plan: { source: 'model' }, review: { model_note: 'The file was written.' } },
      actions: [{ action: 'fs.write', ok: true }],
    });
    expect(calls).toBe(2);
    const second = await runCli(ws.root, ['agent', 'run', 'write a file for me'], env);
    expect((second.json as { hash: string }).hash).toBe((first.json as { hash: string }).hash);
    expect(calls).toBe(2);
    await runCli(ws.root, ['agent', 'run', '--no-cache', 'write a file for me'], env);
    expect(calls).toBe(4);
    const replay = await runCli(ws.root, ['agent', 'replay', (first.json as { hash: string }).hash]);
    expect(replay.json).toMatchObject({ result: 'match' });
    expect(calls).toBe(4);
  });

  it('uses --cache-dir for provider responses and writes none with --no-cache', async () => {
    await runCli(ws.root, ['agent', 'run', '--cache-dir', 'my-cache', 'write a file for me']);
    expect(await readdir(path.join(ws.root, 'my-cache'))).toHaveLength(2);
    expect(calls).toBe(2);
    await runCli(ws.root, [
      'agent',
      'run',
      '--no-cache',
      '--cache-dir',
      'other-cache',
      'write a file for me',
    ]);
    await expect(readdir(path.join(ws.root, 'other-cache'))).rejects.toThrow();
    expect(calls).toBe(4);
  });

  it('doctor reports the provider and where it lives', async () => {
    const result = await runCli(ws.root, ['agent', 'doctor']);
    const provider = (result.json as { checks: { name: string; ok: boolean; detail: string }[] }).checks.find(
      (c) => c.name === 'provider',
    )!;
    expect(provider).toMatchObject({
      ok: true,
      detail: expect.stringMatching(
        /^local: http:\/\/127\.0\.0\.1:\d+\/api\/generate, model tiny \(on loopback/,
      ),
    });
  });

  it('records an unreachable endpoint as an error run (exit 1)', async () => {
    await writeFile(
      path.join(ws.root, '.sdetkit/agent/config.yaml'),
      'provider:\n  type: local\n  endpoint: http://127.0.0.1:9/api/generate\n  max_retries: 0\n',
    );
    const result = await runCli(ws.root, ['agent', 'run', 'write a file']);
    expect(result.code).toBe(1);
    expect(JSON.stringify(result.json)).toContain('cannot connect');
  });

  it('doctor names a missing API key variable for openai', async () => {
    await writeFile(
      path.join(ws.root, '.sdetkit/agent/config.yaml'),
      'provider:\n  type: openai\n  base_url: https://gateway.internal/v1\n  api_key_env: SDETKIT_MISSING_KEY\n',
    );
    const result = await runCli(ws.root, ['agent', 'doctor']);
    expect(result.code).toBe(1);
    expect(JSON.stringify(result.json)).toContain(
      'environment variable SDETKIT_MISSING_KEY (provider.api_key_env) is not set',
    );
  });
});
