import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, runCli, tempWorkspace } from './run-cli.js';

async function startServe(cwd: string, args: string[]) {
  const child = spawn(process.execPath, [CLI, 'agent', 'serve', ...args], {
    cwd,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let stdout = '';
  const serving = await new Promise<{ host: string; port: number; status: string; routes: string[] }>(
    (resolve, reject) => {
      child.stdout.on('data', (chunk) => {
        stdout += chunk;
        try {
          resolve(JSON.parse(stdout));
        } catch {
          // wait for the whole JSON value
        }
      });
      child.once('exit', (code) => reject(new Error(`exited ${code}`)));
    },
  );
  return { child, serving };
}

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
beforeEach(async () => {
  ws = await tempWorkspace();
});
afterEach(() => ws.cleanup());

describe('sdetkit agent serve', () => {
  it('serves on 127.0.0.1, routes a webhook into a run, and drains on SIGTERM', async () => {
    await runCli(ws.root, ['agent', 'init']);
    const { child, serving } = await startServe(ws.root, ['--port', '0']);
    expect(serving).toMatchObject({ status: 'serving', host: '127.0.0.1' });
    const response = await fetch(`http://127.0.0.1:${serving.port}/webhook/generic`, {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({
        channel: 'ops',
        user_id: 'amy',
        text: 'action fs.write {"path":".sdetkit/agent/workdir/s.txt","content":"s"}',
      }),
    });
    expect(await response.json()).toMatchObject({ ok: true, result: { status: 'ok' } });
    const created = await runCli(ws.root, [
      'agent',
      'tokens',
      'create',
      '--name',
      'ops',
      '--scopes',
      'runs:read',
    ]);
    const token = (created.json as { token: string }).token;
    const runs = await fetch(`http://127.0.0.1:${serving.port}/api/v1/runs`, {
      headers: { authorization: `Bearer ${token}` },
    });
    expect(await runs.json()).toMatchObject({ ok: true, total: 1 });
    expect((await fetch(`http://127.0.0.1:${serving.port}/api/v1/runs`)).status).toBe(401);
    child.kill('SIGTERM');
    const code = await new Promise((resolve) => child.once('exit', resolve));
    expect(code).toBe(0);
    const log = await readFile(path.join(ws.root, '.sdetkit/agent/conversations/ops/amy.jsonl'), 'utf8');
    expect(log.trim().split('\n')).toHaveLength(1);
    expect((await runCli(ws.root, ['agent', 'verify'])).code).toBe(0);
  });

  it('fails with exit 2 naming config.yaml, and never listens, when the config is missing', async () => {
    const result = await runCli(ws.root, ['agent', 'serve', '--port', '0']);
    expect(result.code).toBe(2);
    expect(result.stderr).toMatch(/^agent error: .*config\.yaml not found/);
    expect(result.stdout).toBe('');
  });

  it('refuses outgoing Telegram replies (not available yet) and a bridge without a command', async () => {
    await runCli(ws.root, ['agent', 'init']);
    expect((await runCli(ws.root, ['agent', 'serve', '--telegram-enable-outgoing'])).stderr).toMatch(
      /^agent error: --telegram-enable-outgoing/,
    );
    expect((await runCli(ws.root, ['agent', 'serve', '--tool-bridge-enabled'])).stderr).toMatch(
      /^agent error: --tool-bridge-command/,
    );
  });

  it('serves many tenants from --tenants-root, each run landing in its own workspace', async () => {
    await runCli(ws.root, ['agent', 'init']);
    await mkdir(path.join(ws.root, 'tenants/acme'), { recursive: true });
    const { child, serving } = await startServe(ws.root, ['--port', '0', '--tenants-root', 'tenants']);
    expect(serving.routes).toContain('/t/{tenant}/webhook/generic');
    const post = (tenant: string) =>
      fetch(`http://127.0.0.1:${serving.port}/t/${tenant}/webhook/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({
          channel: 'ops',
          user_id: 'amy',
          text: 'action fs.write {"path":".sdetkit/agent/workdir/t.txt","content":"t"}',
        }),
      });
    expect(await (await post('acme')).json()).toMatchObject({ ok: true, result: { status: 'ok' } });
    expect((await post('globex')).status).toBe(404);
    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
    const acme = path.join(ws.root, 'tenants/acme/.sdetkit/agent');
    expect(await readFile(path.join(acme, 'workdir/t.txt'), 'utf8')).toBe('t');
    expect(await readFile(path.join(acme, 'conversations/ops/amy.jsonl'), 'utf8')).toMatch(/"status":"ok"/);
    expect((await runCli(path.join(ws.root, 'tenants/acme'), ['agent', 'verify'])).code).toBe(0);
  });

  it('refuses a --tenants-root that is not a directory or leaves the workspace', async () => {
    await runCli(ws.root, ['agent', 'init']);
    const missing = await runCli(ws.root, ['agent', 'serve', '--tenants-root', 'nope']);
    expect(missing.code).toBe(2);
    expect(missing.stderr).toMatch(/^agent error: --tenants-root: nope is not a directory/);
    const outside = await runCli(ws.root, ['agent', 'serve', '--tenants-root', '../..']);
    expect(outside.code).toBe(2);
    expect(outside.stderr).toMatch(/--tenants-root/);
  });

  it('with --require-auth takes generic webhooks only with a runs:write token', async () => {
    await runCli(ws.root, ['agent', 'init']);
    const created = await runCli(ws.root, [
      'agent',
      'tokens',
      'create',
      '--name',
      'hook',
      '--scopes',
      'runs:write',
    ]);
    const token = (created.json as { token: string }).token;
    const { child, serving } = await startServe(ws.root, [
      '--port',
      '0',
      '--require-auth',
      '--retention-max-age',
      '30d',
    ]);
    expect(serving).toMatchObject({
      verification: { genericWebhook: 'on (service token, --require-auth)' },
      retention: { max_age: '30d', keep_last: null, interval: '1h' },
    });
    const post = (headers: Record<string, string>) =>
      fetch(`http://127.0.0.1:${serving.port}/webhook/generic`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({
          channel: 'ops',
          user_id: 'amy',
          text: 'action fs.write {"path":".sdetkit/agent/workdir/r.txt","content":"r"}',
        }),
      });
    expect((await post({})).status).toBe(401);
    expect(await (await post({ authorization: `Bearer ${token}` })).json()).toMatchObject({
      ok: true,
      result: { status: 'ok' },
    });
    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
  });

  it('refuses retention flags it cannot honour, naming the flag', async () => {
    await runCli(ws.root, ['agent', 'init']);
    const badAge = await runCli(ws.root, ['agent', 'serve', '--retention-max-age', 'soon']);
    expect(badAge.code).toBe(2);
    expect(badAge.stderr).toMatch(/--retention-max-age: expected a duration/);
    const keepOnly = await runCli(ws.root, ['agent', 'serve', '--retention-keep-last', '5']);
    expect(keepOnly.code).toBe(2);
    expect(keepOnly.stderr).toMatch(/--retention-keep-last: only with --retention-max-age/);
  });
});
