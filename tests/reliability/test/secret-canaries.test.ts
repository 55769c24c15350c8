// Secret-leak canaries: unique canary secrets go into the environment, the
// config's API key variable, template secrets and secret inputs, webhook
// headers and payloads, service tokens and outgoing-reply bot tokens; then
// every action, template feature, provider, adapter and dashboard format runs.
// Afterwards every file in the workspace, every stdout/stderr and the server
// log are scanned (as is, base64 and URL-encoded): no canary may appear.

import { mkdir, writeFile } from 'node:fs/promises';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { hmacHex } from '@sdetkit/channels';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  type CanaryHit,
  findCanariesIn,
  type ProcessResult,
  runCli,
  scanTreeForCanaries,
  startServer,
  tempWorkspace,
} from '../src/index.js';

const canary = (what: string) => `CANARY${what.replace(/[^A-Za-z0-9]/g, '')}x7Qz9Lm2Wv`;
const ENV_CANARIES: Record<string, string> = {
  SDETKIT_WEBHOOK_SECRET: canary('webhooksecret'),
  SDETKIT_SLACK_SIGNING_SECRET: canary('slacksigning'),
  SDETKIT_TELEGRAM_SECRET_TOKEN: canary('telegramsecret'),
  SDETKIT_TELEGRAM_BOT_TOKEN: `123456:${canary('telegrambot')}`,
  SDETKIT_SLACK_BOT_TOKEN: `xoxb-${canary('slackbot')}`,
  CANARY_PROVIDER_KEY: canary('providerkey'),
  CANARY_TEMPLATE_SECRET: canary('templatesecret'),
  AWS_SECRET_ACCESS_KEY: canary('aws'),
  GITHUB_TOKEN: `ghp_${canary('github')}`,
  NPM_TOKEN: canary('npm'),
  DATABASE_PASSWORD: canary('dbpassword'),
};
const INPUT_CANARY = canary('secretinput');
const PAYLOAD_CANARIES = {
  slackVerificationToken: canary('slackpayloadtoken'),
  authorization: canary('wrongbearer'),
};
/** A secret committed to the repository: the audit must find it without repeating it. */
const COMMITTED_CANARY = canary('committedsecret');
const ALL = [
  COMMITTED_CANARY,
  ...Object.values(ENV_CANARIES),
  INPUT_CANARY,
  ...Object.values(PAYLOAD_CANARIES),
];

let ws: Awaited<ReturnType<typeof tempWorkspace>>;
let model: Server;
let modelPort: number;
const keysSeenByModel: string[] = [];
const urlsSeenByModel: string[] = [];
const outputs: Array<{ label: string; result: ProcessResult }> = [];

/** A fake model endpoint on loopback: local (/api/generate) and openai (/v1/chat/completions). */
function startModel(): Promise<void> {
  const plan = JSON.stringify({
    actions: [
      { action: 'fs.write', params: { path: '.sdetkit/agent/workdir/model.txt', content: 'planned' } },
    ],
    note: 'write it',
  });
  model = createServer((req, res) => {
    let body = '';
    req.on('data', (c) => {
      body += c;
    });
    req.on('end', () => {
      keysSeenByModel.push(String(req.headers.authorization ?? ''));
      urlsSeenByModel.push(String(req.url));
      const review = body.includes('You review');
      res.writeHead(200, { 'content-type': 'application/json' });
      if (req.url?.includes('chat/completions'))
        res.end(
          JSON.stringify({
            choices: [{ message: { role: 'assistant', content: review ? 'Looks fine.' : plan } }],
            usage: { prompt_tokens: 10, completion_tokens: 5 },
          }),
        );
      else
        res.end(
          JSON.stringify({ response: review ? 'Looks fine.' : plan, prompt_eval_count: 10, eval_count: 5 }),
        );
    });
  });
  return new Promise((resolve) =>
    model.listen(0, '127.0.0.1', () => {
      modelPort = (model.address() as AddressInfo).port;
      resolve();
    }),
  );
}

async function cli(label: string, args: string[], expectCodes: number[] = [0]): Promise<ProcessResult> {
  const result = await runCli(ws.root, args, ENV_CANARIES);
  expect(expectCodes, `${label}: exit ${result.code}: ${result.stderr}`).toContain(result.code);
  outputs.push({ label, result });
  return result;
}

const MCP_FIXTURE = path.resolve(
  import.meta.dirname,
  '../../../packages/tool-bridge/test/fixtures/fixture-server.mjs',
);
const BASE_CONFIG = `safety:
  write_allowlist: [.sdetkit/agent/workdir, .sdetkit/agent/template-runs, reports]
  shell_allowlist: ["node -e", "printenv"]
  shell_env_allowlist: [GITHUB_TOKEN]
tools:
  mcp:
    servers:
      fixture:
        command: ${JSON.stringify(process.execPath)}
        args: [${JSON.stringify(MCP_FIXTURE)}]
        env_allowlist: [GITHUB_TOKEN]
        allow: [env_value, env]
`;

beforeAll(async () => {
  ws = await tempWorkspace('sdetkit-canaries-');
  await startModel();
  await runCli(ws.root, ['agent', 'init']);
  await writeFile(path.join(ws.root, '.sdetkit/agent/config.yaml'), BASE_CONFIG);
  await writeFile(path.join(ws.root, 'README.md'), '# canaries\n');
  await mkdir(path.join(ws.root, 'src'), { recursive: true });
  await writeFile(path.join(ws.root, 'src/settings.ts'), `export const api_key = "${COMMITTED_CANARY}";\n`);
  await mkdir(path.join(ws.root, 'templates/automations'), { recursive: true });
  await writeFile(
    path.join(ws.root, 'templates/automations/canary-template.yaml'),
    `metadata:
  id: canary-template
  title: Canary template
  version: 1.0.0
  description: Uses a declared secret and a secret input in every kind of step.
inputs:
  token:
    secret: true
    required: true
secrets: [CANARY_TEMPLATE_SECRET]
workflow:
  - id: write
    action: fs.write
    with:
      path: \${{run.output_dir}}/out.txt
      content: "secret=\${{secrets.CANARY_TEMPLATE_SECRET}} input=\${{inputs.token}}"
  - id: echo
    action: shell.run
    with:
      argv: [node, -e, "console.log(process.argv[1], process.argv[2])", "\${{inputs.token}}", "\${{secrets.CANARY_TEMPLATE_SECRET}}"]
  - id: read
    action: fs.read
    with:
      path: \${{run.output_dir}}/out.txt
  - id: report
    action: report.build
    with:
      format: html
      output: \${{run.output_dir}}/dashboard.html
`,
  );
});
afterAll(async () => {
  model.closeAllConnections();
  await new Promise((resolve) => model.close(resolve));
  await ws.cleanup();
});

describe('secret-leak canaries', () => {
  it(`no canary (${ALL.length}) appears in any file, output or log`, async () => {
    // Every built-in action, the shell ones dumping their environment.
    await cli('fs.write', [
      'agent',
      'run',
      'action fs.write {"path":".sdetkit/agent/workdir/a.txt","content":"a"}',
    ]);
    await cli('fs.read', ['agent', 'run', 'action fs.read {"path":".sdetkit/agent/workdir/a.txt"}']);
    await cli('shell env dump', [
      'agent',
      'run',
      '--approve',
      'action shell.run {"argv":["node","-e","console.log(JSON.stringify(process.env))"]}',
    ]);
    await cli('printenv', ['agent', 'run', '--approve', 'action shell.run {"argv":["printenv"]}']);
    await cli('report.build', [
      'agent',
      'run',
      'action report.build {"format":"md","output":".sdetkit/agent/workdir/r.md"}',
    ]);
    await cli('report.gate', ['agent', 'run', 'action report.gate {"min_success_rate":"0%"}'], [0, 1]);
    await cli('artifacts.bundle', [
      'agent',
      'run',
      'action artifacts.bundle {"source_dir":".sdetkit/agent/workdir","output":".sdetkit/agent/workdir/bundle/a.tar","manifest":".sdetkit/agent/workdir/bundle/manifest.txt"}',
    ]);
    await cli('deps.inventory', [
      'agent',
      'run',
      'action deps.inventory {"output_json":".sdetkit/agent/workdir/deps.json","output_csv":".sdetkit/agent/workdir/deps.csv"}',
    ]);
    await cli(
      'report.render',
      [
        'agent',
        'run',
        'action report.render {"template":"catalog:reports/security-governance-summary.md.eta","data":{"title":"x"},"output":".sdetkit/agent/workdir/summary.md"}',
      ],
      [0, 1],
    );
    // MCP: an allowlisted secret-looking variable reaches the server but not the record; others never reach it.
    for (const name of ['GITHUB_TOKEN', 'SDETKIT_WEBHOOK_SECRET', 'AWS_SECRET_ACCESS_KEY'])
      await cli(`mcp.call env_value ${name}`, [
        'agent',
        'run',
        `action mcp.call {"server":"fixture","tool":"env_value","arguments":{"name":"${name}"}}`,
      ]);
    await cli('mcp.list', ['agent', 'run', 'action mcp.list {"server":"fixture"}']);
    const audit = await cli(
      'repo.audit',
      ['agent', 'run', 'action repo.audit {"output_json":".sdetkit/agent/workdir/audit.json"}'],
      [0, 1],
    );
    expect(audit.stdout).toContain('src/settings.ts');
    for (const format of ['json', 'sarif', 'md'])
      await cli(
        `repo audit ${format}`,
        ['repo', 'audit', '--format', format, '--output', `.sdetkit/agent/workdir/audit.${format}`],
        [0, 1],
      );
    // Template features: declared secret, secret input, interpolation into fs/shell/report steps.
    await cli('template run', [
      'agent',
      'templates',
      'run',
      'canary-template',
      '--approve',
      '--set',
      `token=${INPUT_CANARY}`,
    ]);
    await cli('template dry run', [
      'agent',
      'templates',
      'run',
      'canary-template',
      '--dry-run',
      '--set',
      `token=${INPUT_CANARY}`,
    ]);
    // Providers: local and openai (the API key is a canary; the model must have received it).
    await writeFile(
      path.join(ws.root, '.sdetkit/agent/config.yaml'),
      `${BASE_CONFIG}provider:\n  type: local\n  endpoint: http://127.0.0.1:${modelPort}/api/generate\n`,
    );
    await cli('provider local', ['agent', 'run', 'write the model file']);
    await writeFile(
      path.join(ws.root, '.sdetkit/agent/config.yaml'),
      `${BASE_CONFIG}provider:\n  type: openai\n  base_url: http://127.0.0.1:${modelPort}/v1\n  model: m\n  api_key_env: CANARY_PROVIDER_KEY\n`,
    );
    await cli('provider openai', ['agent', 'run', 'write the model file again']);
    await cli('doctor', ['agent', 'doctor'], [0, 1]);
    expect(keysSeenByModel).toContain(`Bearer ${ENV_CANARIES.CANARY_PROVIDER_KEY}`);
    await writeFile(path.join(ws.root, '.sdetkit/agent/config.yaml'), BASE_CONFIG);

    // Service tokens: the token is printed once on purpose; it is a canary everywhere else.
    const created = await runCli(
      ws.root,
      ['agent', 'tokens', 'create', '--name', 'canary', '--scopes', 'runs:read'],
      ENV_CANARIES,
    );
    const serviceToken = (JSON.parse(created.stdout) as { token: string }).token;
    expect(serviceToken.length).toBeGreaterThan(20);

    // Every adapter through a server that answers in the chat (Bot API calls go to the fake on loopback).
    const server = await startServer(
      ws.root,
      [
        '--telegram-enable-outgoing',
        '--telegram-api-base',
        `http://127.0.0.1:${modelPort}`,
        '--slack-enable-outgoing',
        '--slack-api-base',
        `http://127.0.0.1:${modelPort}`,
      ],
      ENV_CANARIES,
    );
    let serverLog = '';
    try {
      const post = (route: string, body: unknown, headers: Record<string, string>) =>
        fetch(server.url(route), {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: JSON.stringify(body),
        });
      const generic = JSON.stringify({
        channel: 'ops',
        user_id: 'amy',
        text: 'action fs.write {"path":".sdetkit/agent/workdir/g.txt","content":"g"}',
      });
      const signed = await fetch(server.url('/webhook/generic'), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-sdetkit-signature': `sha256=${hmacHex(ENV_CANARIES.SDETKIT_WEBHOOK_SECRET!, Buffer.from(generic))}`,
        },
        body: generic,
      });
      expect(signed.status).toBe(200);
      const unsigned = await post(
        '/webhook/generic',
        { channel: 'ops', user_id: 'x', text: 'y' },
        {
          'x-sdetkit-signature': `sha256=${PAYLOAD_CANARIES.authorization}`,
        },
      );
      expect(unsigned.status).toBe(401);
      const telegram = await post(
        '/webhook/telegram',
        {
          update_id: 1,
          message: {
            message_id: 7,
            from: { id: 42, is_bot: false },
            chat: { id: 42, type: 'private' },
            text: 'action shell.run {"argv":["printenv"]}',
          },
        },
        { 'x-telegram-bot-api-secret-token': ENV_CANARIES.SDETKIT_TELEGRAM_SECRET_TOKEN! },
      );
      expect(telegram.status).toBe(200);
      const wrongTelegram = await post(
        '/webhook/telegram',
        { update_id: 2 },
        {
          'x-telegram-bot-api-secret-token': PAYLOAD_CANARIES.authorization,
        },
      );
      expect(wrongTelegram.status).toBe(401);
      const ts = String(Math.floor(Date.now() / 1000));
      const slackBody = JSON.stringify({
        token: PAYLOAD_CANARIES.slackVerificationToken,
        type: 'event_callback',
        event_id: 'Ev1',
        event: {
          type: 'message',
          user: 'U1',
          channel: 'C1',
          ts: '1.0',
          text: 'action fs.read {"path":"README.md"}',
        },
      });
      const slack = await fetch(server.url('/webhook/slack'), {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'x-slack-request-timestamp': ts,
          'x-slack-signature': `v0=${hmacHex(ENV_CANARIES.SDETKIT_SLACK_SIGNING_SECRET!, Buffer.from(`v0:${ts}:${slackBody}`))}`,
        },
        body: slackBody,
      });
      expect(slack.status).toBe(200);
      const runs = await fetch(server.url('/api/v1/runs'), {
        headers: { authorization: `Bearer ${serviceToken}` },
      });
      expect(runs.status).toBe(200);
      const badToken = await fetch(server.url('/api/v1/runs'), {
        headers: { authorization: `Bearer ${PAYLOAD_CANARIES.authorization}` },
      });
      expect(badToken.status).toBe(401);
      const dashboard = await fetch(server.url('/api/v1/dashboard?format=html'), {
        headers: { authorization: `Bearer ${serviceToken}` },
      });
      outputs.push({
        label: 'server responses',
        result: { code: 0, signal: null, stdout: await runs.text(), stderr: await dashboard.text() },
      });
    } finally {
      expect(await server.stop()).toBe(0);
      serverLog = server.output();
    }

    // Every dashboard and export format, packs and evidence.
    for (const format of ['json', 'md', 'html', 'csv'])
      await cli(`dashboard ${format}`, ['agent', 'dashboard', 'build', '--format', format]);
    for (const format of ['csv', 'json'])
      await cli(`export ${format}`, ['agent', 'history', 'export', '--format', format]);
    await cli('history', ['agent', 'history']);
    await cli('templates pack', ['agent', 'templates', 'pack']);
    await cli('evidence', ['agent', 'evidence', 'pack']);
    await cli('verify', ['agent', 'verify']);

    const canaries = [...ALL, serviceToken];
    const scan = await scanTreeForCanaries(ws.root, canaries);
    const files = scan.files;
    // The only file allowed to hold a canary is the one the test committed on purpose.
    const hits = scan.hits.filter((h) => h.where !== 'src/settings.ts');
    expect(scan.hits.filter((h) => h.where === 'src/settings.ts')).toHaveLength(1);
    const outputHits: CanaryHit[] = outputs.flatMap(({ label, result }) => [
      ...findCanariesIn(`${label} stdout`, result.stdout, canaries),
      ...findCanariesIn(`${label} stderr`, result.stderr, canaries),
    ]);
    const logHits = findCanariesIn('server log', serverLog, canaries);
    expect([...hits, ...outputHits, ...logHits]).toEqual([]);
    // The canaries were really exercised: the shell dump ran, the template wrote, the server logged.
    expect(outputs.find((o) => o.label === 'shell env dump')!.result.stdout).toContain('PATH');
    expect(outputs.find((o) => o.label === 'mcp.call env_value GITHUB_TOKEN')!.result.stdout).toContain(
      '[REDACTED]',
    );
    expect(serverLog.length).toBeGreaterThan(100);
    // The bot tokens were used: Telegram's in the URL path, Slack's as a bearer token.
    expect(urlsSeenByModel.some((u) => u.includes(ENV_CANARIES.SDETKIT_TELEGRAM_BOT_TOKEN!))).toBe(true);
    expect(keysSeenByModel).toContain(`Bearer ${ENV_CANARIES.SDETKIT_SLACK_BOT_TOKEN}`);
    console.info(
      `secret-canaries: ${canaries.length} canaries, ${files} files, ${outputs.length} outputs and ${serverLog.length} bytes of server log scanned`,
    );
  });
});
