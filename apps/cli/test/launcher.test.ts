import { execFileSync } from 'node:child_process';
import { mkdir, readFile, symlink, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:https';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { LAUNCHER, runCli, runLauncher, tempWorkspace } from './run-cli.js';

// bin/sdetkit starts Node.js without NODE_EXTRA_CA_CERTS (whose certificates
// Node.js 20 parses before running any JavaScript) and the CLI loads them on
// its first HTTPS request instead. These tests pin both halves: nothing is
// read at start-up, and HTTPS still trusts exactly the handed-over CA.

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let server: Server;
let port: number;
let calls = 0;
let certFile: string;

const PLAN = JSON.stringify({
  actions: [
    { action: 'fs.write', params: { path: '.sdetkit/agent/workdir/tls.txt', content: 'over https' } },
  ],
  note: 'write the file',
});

beforeAll(async () => {
  ws = await tempWorkspace('sdetkit-launcher-');
  const tls = path.join(ws.root, 'tls');
  await mkdir(tls);
  certFile = path.join(tls, 'cert.pem');
  const keyFile = path.join(tls, 'key.pem');
  // A self-signed certificate for 127.0.0.1, made fresh for this run (Debian's openssl).
  execFileSync(
    'openssl',
    [
      'req',
      '-x509',
      '-newkey',
      'ec',
      '-pkeyopt',
      'ec_paramgen_curve:P-256',
      '-nodes',
      '-days',
      '2',
      '-subj',
      '/CN=127.0.0.1',
      '-addext',
      'subjectAltName=IP:127.0.0.1',
      '-keyout',
      keyFile,
      '-out',
      certFile,
    ],
    { stdio: 'ignore' },
  );
  server = createServer({ key: await readFile(keyFile), cert: await readFile(certFile) }, (req, res) => {
    let body = '';
    req.on('data', (chunk) => {
      body += chunk;
    });
    req.on('end', () => {
      calls++;
      const review = String((JSON.parse(body) as { system?: string }).system).includes('You review');
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ response: review ? 'Written.' : PLAN, prompt_eval_count: 5, eval_count: 5 }));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  port = (server.address() as AddressInfo).port;
  await runCli(ws.root, ['agent', 'init']);
  await writeFile(
    path.join(ws.root, '.sdetkit/agent/config.yaml'),
    `provider:\n  type: local\n  endpoint: https://127.0.0.1:${port}/api/generate\n  model: tiny\n  max_retries: 0\n  timeout_ms: 10000\n`,
  );
});

afterAll(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
  await ws.cleanup();
});

describe('bin/sdetkit', () => {
  it('does not make Node.js read NODE_EXTRA_CA_CERTS at start-up', async () => {
    const env = { NODE_EXTRA_CA_CERTS: path.join(ws.root, 'no-such-ca.pem') };
    // Plain node reads the file before any JavaScript runs (and warns that it is missing).
    const plain = await runCli(ws.root, ['agent', '--help'], env);
    expect(plain.stderr).toContain('Ignoring extra certs from');
    const launched = await runLauncher(ws.root, ['agent', '--help'], env);
    expect(launched.code).toBe(0);
    expect(launched.stdout).toContain('Usage: sdetkit agent');
    expect(launched.stderr).toBe('');
    // SDETKIT_EAGER_CA=1 keeps Node's behaviour, and so does a CA store flag in NODE_OPTIONS.
    const eagerEnvs: Record<string, string>[] = [
      { SDETKIT_EAGER_CA: '1' },
      { NODE_OPTIONS: '--use-openssl-ca' },
    ];
    for (const extra of eagerEnvs) {
      const eager = await runLauncher(ws.root, ['agent', '--help'], { ...env, ...extra });
      expect(eager.stderr, JSON.stringify(extra)).toContain('Ignoring extra certs from');
    }
  });

  it('HTTPS trusts the NODE_EXTRA_CA_CERTS certificate, loaded on the first request', async () => {
    const before = calls;
    const result = await runLauncher(ws.root, ['agent', 'run', 'write a file over https'], {
      NODE_EXTRA_CA_CERTS: certFile,
    });
    expect(result.stderr).toBe('');
    expect(result.code).toBe(0);
    expect(result.json).toMatchObject({
      status: 'ok',
      outputs: { plan: { source: 'model' }, review: { model_note: 'Written.' } },
      actions: [{ action: 'fs.write', ok: true }],
    });
    expect(calls - before).toBe(2);
  });

  it('without the certificate the TLS handshake fails and nothing reaches the endpoint', async () => {
    const before = calls;
    const result = await runLauncher(ws.root, [
      'agent',
      'run',
      '--no-cache',
      'write another file over https',
    ]);
    expect(result.code).toBe(1);
    expect(JSON.stringify(result.json)).toContain('cannot connect');
    expect(calls).toBe(before);
  });

  it('an unreadable CA file is reported on the first HTTPS request, as Node.js would at start-up', async () => {
    const missing = path.join(ws.root, 'gone.pem');
    const result = await runLauncher(ws.root, ['agent', 'run', '--no-cache', 'one more file over https'], {
      NODE_EXTRA_CA_CERTS: missing,
    });
    expect(result.stderr).toContain(`Ignoring extra certs from \`${missing}\``);
    expect(result.code).toBe(1);
  });

  it('works through a symlink, as npm installs it', async () => {
    const link = path.join(ws.root, 'tls', 'sdetkit');
    await symlink(LAUNCHER, link);
    const result = await runLauncher(ws.root, ['--version'], {});
    expect(result.code).toBe(0);
    const linked = execFileSync(link, ['--version'], { encoding: 'utf8', env: { PATH: process.env.PATH } });
    expect(linked).toBe(result.stdout);
    expect(linked).toMatch(/^\d+\.\d+\.\d+/);
  });
});
