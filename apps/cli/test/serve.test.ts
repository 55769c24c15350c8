import { spawn } from 'node:child_process';
import { mkdir, readFile } from 'node:fs/promises';
import { createServer as createHttpServer } from 'node:http';
import { type AddressInfo, connect } from 'node:net';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import { CLI, runCli, tempWorkspace } from './run-cli.js';

async function startServe(cwd: string, args: string[], env: Record<string, string> = {}) {
  const child = spawn(process.execPath, [CLI, 'agent', 'serve', ...args], {
    cwd,
    env: { ...process.env, ...env },
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

  it('refuses outgoing replies without a bot token, conflicting reply flags, and a bridge without a command', async () => {
    await runCli(ws.root, ['agent', 'init']);
    expect((await runCli(ws.root, ['agent', 'serve', '--telegram-enable-outgoing'])).stderr).toMatch(
      /^agent error: --telegram-enable-outgoing: set SDETKIT_TELEGRAM_BOT_TOKEN/,
    );
    expect(
      (await runCli(ws.root, ['agent', 'serve', '--slack-simulation-mode', '--slack-enable-outgoing']))
        .stderr,
    ).toMatch(/^agent error: --slack-enable-outgoing: choose it or --slack-simulation-mode/);
    expect((await runCli(ws.root, ['agent', 'serve', '--telegram-api-base', 'file:///etc'])).stderr).toMatch(
      /^agent error: --telegram-api-base: expected an http\(s\) URL/,
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
    const noPause = await runCli(ws.root, [
      'agent',
      'serve',
      '--retention-max-age',
      '30d',
      '--retention-interval',
      '0m',
    ]);
    expect(noPause.code).toBe(2);
    expect(noPause.stderr).toMatch(/--retention-interval: must be longer than 0/);
  });

  it('names the flag when it cannot listen: a port in use, an address not of this machine', async () => {
    await runCli(ws.root, ['agent', 'init']);
    const taken = createHttpServer();
    await new Promise<void>((resolve) => taken.listen(0, '127.0.0.1', resolve));
    const { port } = taken.address() as AddressInfo;
    try {
      const inUse = await runCli(ws.root, ['agent', 'serve', '--port', String(port)]);
      expect([inUse.code, inUse.stderr]).toEqual([
        2,
        `agent error: --port ${port}: already in use on 127.0.0.1 (another server running? --port 0 picks a free port)\n`,
      ]);
    } finally {
      await new Promise((resolve) => taken.close(resolve));
    }
    // TEST-NET-1 (RFC 5737): never an address of this machine, and no name lookup.
    const foreign = await runCli(ws.root, ['agent', 'serve', '--host', '192.0.2.1', '--port', '0']);
    expect([foreign.code, foreign.stderr]).toEqual([
      2,
      'agent error: --host 192.0.2.1: not an address of this machine\n',
    ]);
  });

  it('refuses a second server on the same workspace, and serves again once the first is killed', async () => {
    await runCli(ws.root, ['agent', 'init']);
    const { child, serving } = await startServe(ws.root, ['--port', '0']);
    const exited = new Promise((resolve) => child.once('exit', (code, signal) => resolve(signal ?? code)));
    try {
      const second = await runCli(ws.root, ['agent', 'serve', '--port', '0']);
      expect([second.code, second.stderr]).toEqual([
        2,
        `agent error: this workspace: another sdetkit server is serving it (pid ${child.pid}, http://127.0.0.1:${serving.port}); stop that one first (two servers on one workspace would split its rate limits and retried-delivery results)\n`,
      ]);
      const doctor = await runCli(ws.root, ['agent', 'doctor']);
      expect((doctor.json as { checks: { name: string }[] }).checks.at(-1)).toEqual({
        name: 'server',
        ok: true,
        detail: `served by a running sdetkit server (pid ${child.pid}, http://127.0.0.1:${serving.port})`,
      });
    } finally {
      // No chance to clean up: the claim must go with the process.
      child.kill('SIGKILL');
    }
    expect(await exited).toBe('SIGKILL');
    const { child: next, serving: again } = await startServe(ws.root, ['--port', '0']);
    expect(again).toMatchObject({ status: 'serving' });
    next.kill('SIGTERM');
    expect(await new Promise((resolve) => next.once('exit', resolve))).toBe(0);
  });

  it('takes --body-limit in bytes, k or m, answering larger bodies with 413', async () => {
    await runCli(ws.root, ['agent', 'init']);
    for (const bad of ['0', '1023', '65m', '1g', '1.5m', 'big']) {
      const refused = await runCli(ws.root, ['agent', 'serve', '--port', '0', '--body-limit', bad]);
      expect([refused.code, refused.stderr]).toEqual([
        2,
        `agent error: option '--body-limit <size>' argument '${bad}' is invalid. expected a size from 1k to 64m, like 262144, 512k or 4m\n`,
      ]);
    }
    const { child, serving } = await startServe(ws.root, ['--port', '0', '--body-limit', '2k']);
    try {
      expect(serving).toMatchObject({ body_limit_bytes: 2048 });
      const post = (text: string) =>
        fetch(`http://127.0.0.1:${serving.port}/webhook/generic`, {
          method: 'POST',
          headers: { 'content-type': 'application/json' },
          body: JSON.stringify({ channel: 'ops', user_id: 'amy', text }),
        });
      expect((await post('x'.repeat(1500))).status).toBe(200);
      const large = await post('x'.repeat(3000));
      expect([large.status, await large.json()]).toEqual([
        413,
        { ok: false, error: 'body larger than 2048 bytes' },
      ]);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('takes its timeouts in whole seconds, and closes idle keep-alive connections after --keep-alive-timeout', async () => {
    await runCli(ws.root, ['agent', 'init']);
    for (const [flag, bad] of [
      ['--headers-timeout', '0'],
      ['--request-timeout', '1.5'],
      ['--keep-alive-timeout', '3601'],
    ] as const) {
      const refused = await runCli(ws.root, ['agent', 'serve', '--port', '0', flag, bad]);
      expect([refused.code, refused.stderr]).toEqual([
        2,
        `agent error: option '${flag} <s>' argument '${bad}' is invalid. expected whole seconds from 1 to 3600\n`,
      ]);
    }
    const inverted = await runCli(ws.root, ['agent', 'serve', '--port', '0', '--headers-timeout', '40']);
    expect([inverted.code, inverted.stderr]).toEqual([
      2,
      'agent error: --headers-timeout 40: longer than --request-timeout 30 (the headers are part of the request)\n',
    ]);
    const { child, serving } = await startServe(ws.root, ['--port', '0', '--keep-alive-timeout', '1']);
    try {
      expect(serving).toMatchObject({ timeouts_s: { headers: 10, request: 30, keep_alive: 1 } });
      const socket = connect(serving.port, '127.0.0.1');
      let answer = '';
      socket.setEncoding('utf8');
      socket.on('data', (chunk: string) => {
        answer += chunk;
      });
      socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: keep-alive\r\n\r\n');
      // The server, not the client, ends the idle connection (the test's own limit is 20 s);
      // its Keep-Alive header says the flag reached it.
      await new Promise((resolve) => socket.once('close', resolve));
      expect(answer).toMatch(/^HTTP\/1\.1 200 OK\r\n[\s\S]*Keep-Alive: timeout=1\r\n/);
    } finally {
      child.kill('SIGTERM');
      await new Promise((resolve) => child.once('exit', resolve));
    }
  });

  it('refuses a rate-limit bucket that could never let an event through', async () => {
    await runCli(ws.root, ['agent', 'init']);
    for (const capacity of ['0', '0.5']) {
      const result = await runCli(ws.root, ['agent', 'serve', '--rate-limit-max-tokens', capacity]);
      expect(result.code).toBe(2);
      expect(result.stderr).toMatch(
        /--rate-limit-max-tokens <n>' argument '0(\.5)?' is invalid. expected a number >= 1/,
      );
    }
  });

  it('posts Telegram replies with --telegram-enable-outgoing to --telegram-api-base, token from the environment', async () => {
    await runCli(ws.root, ['agent', 'init']);
    const posted: { url: string; body: string }[] = [];
    const platform = createHttpServer(async (req, res) => {
      let body = '';
      for await (const chunk of req) body += chunk;
      posted.push({ url: req.url ?? '', body });
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end('{"ok":true,"result":{"message_id":1}}');
    });
    await new Promise<void>((resolve) => platform.listen(0, '127.0.0.1', resolve));
    const apiBase = `http://127.0.0.1:${(platform.address() as AddressInfo).port}`;
    try {
      const { child, serving } = await startServe(
        ws.root,
        ['--port', '0', '--telegram-enable-outgoing', '--telegram-api-base', apiBase],
        { SDETKIT_TELEGRAM_BOT_TOKEN: '42:BOT-SECRET' },
      );
      expect(serving).toMatchObject({
        replies: { telegram: 'on (SDETKIT_TELEGRAM_BOT_TOKEN)', slack: 'off' },
      });
      expect(JSON.stringify(serving)).not.toContain('BOT-SECRET');
      const update = {
        update_id: 1,
        message: {
          message_id: 2,
          text: 'action fs.write {"path":".sdetkit/agent/workdir/t.txt","content":"t"}',
          chat: { id: 9 },
          from: { id: 3 },
        },
      };
      const answer = await fetch(`http://127.0.0.1:${serving.port}/webhook/telegram`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify(update),
      });
      expect(await answer.json()).toMatchObject({ ok: true, result: { status: 'ok' } });
      child.kill('SIGTERM');
      expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
      expect(posted).toHaveLength(1);
      expect(posted[0]?.url).toBe('/bot42:BOT-SECRET/sendMessage');
      expect(JSON.parse(posted[0]?.body ?? '{}')).toMatchObject({
        chat_id: '9',
        text: expect.stringMatching(/finished ok/),
      });
      const log = await readFile(path.join(ws.root, '.sdetkit/agent/replies/telegram.jsonl'), 'utf8');
      expect(log).toMatch(/"status":"sent"/);
      expect(log).not.toContain('BOT-SECRET');
    } finally {
      platform.closeAllConnections();
      await new Promise((resolve) => platform.close(resolve));
    }
  });

  it('lets chat-triggered runs call only the allowed MCP tools through --tool-bridge-*', async () => {
    await runCli(ws.root, ['agent', 'init']);
    const fixture = fileURLToPath(
      new URL('../../../packages/tool-bridge/test/fixtures/fixture-server.mjs', import.meta.url),
    );
    const { child, serving } = await startServe(ws.root, [
      '--port',
      '0',
      '--tool-bridge-enabled',
      '--tool-bridge-allow',
      'echo',
      '--tool-bridge-command',
      process.execPath,
      '--tool-bridge-command',
      fixture,
    ]);
    expect(serving).toMatchObject({ tool_bridge: { server: 'bridge', allow: ['echo'] } });
    const ask = async (tool: string) =>
      (
        (await (
          await fetch(`http://127.0.0.1:${serving.port}/webhook/generic`, {
            method: 'POST',
            headers: { 'content-type': 'application/json' },
            body: JSON.stringify({
              channel: 'ops',
              user_id: 'amy',
              text: `action mcp.call {"server":"bridge","tool":"${tool}","arguments":{"text":"from chat"}}`,
            }),
          })
        ).json()) as { result: { status: string; hash: string } }
      ).result;
    const allowed = await ask('echo');
    expect(allowed.status).toBe('ok');
    const denied = await ask('crash');
    expect(denied.status).toBe('error');
    child.kill('SIGTERM');
    expect(await new Promise((resolve) => child.once('exit', resolve))).toBe(0);
    const history = path.join(ws.root, '.sdetkit/agent/history');
    expect(await readFile(path.join(history, `${allowed.hash}.json`), 'utf8')).toContain('from chat');
    expect(JSON.parse(await readFile(path.join(history, `${denied.hash}.json`), 'utf8'))).toMatchObject({
      actions: [{ denied: true, policy: { reason: 'tool denied by allowlist: bridge/crash' } }],
    });
  });
});
