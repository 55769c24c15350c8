import { mkdtemp, readFile, realpath, rm } from 'node:fs/promises';
import { createServer as createHttpServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import {
  hmacHex,
  type ReplySender,
  SimulatedReplySender,
  SlackReplySender,
  TelegramReplySender,
} from '@sdetkit/channels';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { SdetkitServer } from '../src/create-server.js';
import { testServer } from './test-server.js';

let root: string;
let platform: Server;
let platformBase: string;
let posted: { path: string; body: Record<string, unknown> }[];
let server: SdetkitServer;
let base: string;

beforeEach(async () => {
  root = await realpath(await mkdtemp(path.join(tmpdir(), 'sdetkit-replies-')));
  posted = [];
  // A local fake of the Telegram and Slack APIs.
  platform = createHttpServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    posted.push({ path: req.url ?? '', body: JSON.parse(raw) });
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(
      JSON.stringify(
        req.url?.endsWith('/sendMessage')
          ? { ok: true, result: { message_id: 500 } }
          : { ok: true, ts: '9.9' },
      ),
    );
  });
  await new Promise<void>((resolve) => platform.listen(0, '127.0.0.1', resolve));
  platformBase = `http://127.0.0.1:${(platform.address() as AddressInfo).port}`;
});
afterEach(async () => {
  await server?.close();
  platform.closeAllConnections();
  await new Promise((resolve) => platform.close(resolve));
  await rm(root, { recursive: true, force: true });
});

async function start(replies: Partial<Record<'telegram' | 'slack', ReplySender>>) {
  server = testServer(root, { replies });
  base = `http://127.0.0.1:${(await server.listen()).port}`;
}
const post = (route: string, raw: string, headers: Record<string, string>) =>
  fetch(`${base}${route}`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', ...headers },
    body: raw,
  });
const WRITE = 'action fs.write {"path":".sdetkit/agent/workdir/r.txt","content":"r"}';
const UPDATE = JSON.stringify({
  update_id: 11,
  message: { message_id: 3, message_thread_id: 8, text: WRITE, chat: { id: -100 }, from: { id: 7 } },
});
const TG = { 'x-telegram-bot-api-secret-token': 'tg-secret' };
const replyLines = async (channel: string) =>
  (await readFile(path.join(root, '.sdetkit/agent/replies', `${channel}.jsonl`), 'utf8'))
    .trimEnd()
    .split('\n')
    .map((line) => JSON.parse(line) as Record<string, unknown>);

describe('outgoing replies', () => {
  it('answers a Telegram message once in its chat and topic, even when the update is delivered twice', async () => {
    await start({ telegram: new TelegramReplySender({ botToken: '1:SECRET', apiBase: platformBase }) });
    const first = (await (await post('/webhook/telegram', UPDATE, TG)).json()) as {
      result: { hash: string };
    };
    expect(await (await post('/webhook/telegram', UPDATE, TG)).json()).toMatchObject({
      result: { duplicate: true },
    });
    await server.close();
    expect(posted).toEqual([
      {
        path: '/bot1:SECRET/sendMessage',
        body: {
          chat_id: '-100',
          message_thread_id: 8,
          reply_parameters: { message_id: 3, allow_sending_without_reply: true },
          text: `sdetkit: run ${first.result.hash.slice(0, 12)} finished ok.`,
        },
      },
    ]);
    expect(await replyLines('telegram')).toEqual([
      expect.objectContaining({
        status: 'sent',
        attempts: 1,
        platform_message_id: '500',
        hash: first.result.hash,
      }),
    ]);
    expect(await readFile(path.join(root, '.sdetkit/agent/replies/telegram.jsonl'), 'utf8')).not.toContain(
      'SECRET',
    );
    expect(server.metrics.render()).toContain('sdetkit_replies_total{channel="telegram",status="sent"} 1');
  });

  it('posts a Slack reply in the thread after acknowledging the event', async () => {
    await start({ slack: new SlackReplySender({ botToken: 'xoxb-SECRET', apiBase: platformBase }) });
    const event = JSON.stringify({
      type: 'event_callback',
      team_id: 'T1',
      event_id: 'Ev1',
      event: {
        type: 'app_mention',
        user: 'U1',
        text: `<@UBOT> ${WRITE}`,
        channel: 'C1',
        ts: '2.1',
        thread_ts: '1.0',
      },
    });
    const ts = Math.floor(Date.now() / 1000);
    const signed = {
      'x-slack-request-timestamp': String(ts),
      'x-slack-signature': `v0=${hmacHex('slack-secret', `v0:${ts}:${event}`)}`,
    };
    expect(await (await post('/webhook/slack', event, signed)).json()).toMatchObject({
      result: { status: 'accepted' },
    });
    await server.close(); // drains the background run and its reply
    expect(posted).toEqual([
      {
        path: '/chat.postMessage',
        body: {
          channel: 'C1',
          thread_ts: '1.0',
          text: expect.stringMatching(/^sdetkit: run [0-9a-f]{12} finished ok\.$/),
        },
      },
    ]);
    expect(await replyLines('slack')).toEqual([expect.objectContaining({ status: 'sent', target: 'C1' })]);
  });

  it('in simulation mode records the reply and sends nothing; generic webhooks get no reply', async () => {
    await start({ telegram: new SimulatedReplySender() });
    await post('/webhook/telegram', UPDATE, TG);
    await post('/webhook/generic', JSON.stringify({ channel: 'ci', user_id: 'u', text: WRITE }), {});
    await server.close();
    expect(posted).toEqual([]);
    expect(await replyLines('telegram')).toEqual([
      expect.objectContaining({
        status: 'simulated',
        attempts: 0,
        target: '-100',
        thread: '8',
        in_reply_to: '3',
      }),
    ]);
    await expect(replyLines('ci')).rejects.toThrow();
  });
});
