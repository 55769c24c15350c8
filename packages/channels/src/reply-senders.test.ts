import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { OutgoingReply } from './outgoing-reply.js';
import { SlackReplySender } from './slack-reply-sender.js';
import { TelegramReplySender } from './telegram-reply-sender.js';

type Seen = { path: string; authorization: string | undefined; body: Record<string, unknown> };
let server: Server;
let base: string;
let seen: Seen[];
let answer: (req: IncomingMessage, res: ServerResponse, n: number) => void;
const sleeps: number[] = [];
const sleep = async (ms: number) => {
  sleeps.push(ms);
};

beforeEach(async () => {
  seen = [];
  sleeps.length = 0;
  server = createServer(async (req, res) => {
    let raw = '';
    for await (const chunk of req) raw += chunk;
    seen.push({ path: req.url ?? '', authorization: req.headers.authorization, body: JSON.parse(raw) });
    answer(req, res, seen.length);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
afterEach(async () => {
  server.closeAllConnections();
  await new Promise((resolve) => server.close(resolve));
});

const json = (res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}) => {
  res.writeHead(status, { 'content-type': 'application/json', ...headers });
  res.end(JSON.stringify(body));
};
const TELEGRAM_REPLY: OutgoingReply = {
  channel: 'telegram',
  target: '-100',
  thread: '7',
  in_reply_to: '42',
  text: 'sdetkit: run abc finished ok.',
};
const SLACK_REPLY: OutgoingReply = {
  channel: 'slack',
  target: 'C1',
  thread: '1700000000.000100',
  in_reply_to: '1700000000.000200',
  text: 'sdetkit: run abc finished ok.',
};
const telegram = (extra = {}) =>
  new TelegramReplySender({ botToken: '123:SECRET', apiBase: base, sleep, ...extra });
const slack = (extra = {}) =>
  new SlackReplySender({ botToken: 'xoxb-SECRET', apiBase: base, sleep, ...extra });

describe('TelegramReplySender', () => {
  it('calls sendMessage in the chat and topic, as a reply to the message', async () => {
    answer = (_q, res) => json(res, 200, { ok: true, result: { message_id: 99 } });
    expect(await telegram().send(TELEGRAM_REPLY)).toEqual({
      status: 'sent',
      attempts: 1,
      platform_message_id: '99',
      error: null,
    });
    expect(seen).toEqual([
      {
        path: '/bot123:SECRET/sendMessage',
        authorization: undefined,
        body: {
          chat_id: '-100',
          text: TELEGRAM_REPLY.text,
          message_thread_id: 7,
          reply_parameters: { message_id: 42, allow_sending_without_reply: true },
        },
      },
    ]);
  });

  it('waits out a 429 for retry_after and posts once', async () => {
    answer = (_q, res, n) =>
      n === 1
        ? json(res, 429, {
            ok: false,
            error_code: 429,
            description: 'Too Many Requests',
            parameters: { retry_after: 2 },
          })
        : json(res, 200, { ok: true, result: { message_id: 5 } });
    expect(await telegram().send(TELEGRAM_REPLY)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(sleeps).toEqual([2000]);
  });

  it('does not retry an ambiguous 5xx or a timeout (it may have been posted), and never echoes the token', async () => {
    answer = (_q, res) => json(res, 502, { ok: false, error_code: 502, description: 'Bad Gateway' });
    const failed = await telegram().send(TELEGRAM_REPLY);
    expect(failed).toMatchObject({ status: 'failed', attempts: 1, error: 'telegram 502: Bad Gateway' });
    answer = () => {}; // never answers
    const timedOut = await telegram({ timeoutMs: 100 }).send(TELEGRAM_REPLY);
    expect(timedOut).toMatchObject({ status: 'failed', attempts: 1 });
    expect(timedOut.error).toMatch(/timed out/);
    expect(JSON.stringify([failed, timedOut])).not.toContain('SECRET');
    expect(seen).toHaveLength(2);
  });

  it('retries a refused connection (nothing was sent) up to maxAttempts', async () => {
    const closed = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    server.closeAllConnections();
    await new Promise((resolve) => server.close(resolve));
    const outcome = await new TelegramReplySender({
      botToken: '1:SECRET',
      apiBase: closed,
      sleep,
      maxAttempts: 3,
    }).send(TELEGRAM_REPLY);
    expect(outcome).toMatchObject({ status: 'failed', attempts: 3 });
    expect(outcome.error).toMatch(/ECONNREFUSED.*after 3 attempts/);
    expect(sleeps).toEqual([250, 500]);
    server = createServer();
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  });
});

describe('SlackReplySender', () => {
  it('posts in the thread with the bot token as Bearer', async () => {
    answer = (_q, res) => json(res, 200, { ok: true, ts: '1700000000.000300' });
    expect(await slack().send(SLACK_REPLY)).toMatchObject({
      status: 'sent',
      platform_message_id: '1700000000.000300',
    });
    expect(seen).toEqual([
      {
        path: '/chat.postMessage',
        authorization: 'Bearer xoxb-SECRET',
        body: { channel: 'C1', text: SLACK_REPLY.text, thread_ts: '1700000000.000100' },
      },
    ]);
  });

  it('retries ratelimited after Retry-After and fails once on a platform error', async () => {
    answer = (_q, res, n) =>
      n === 1
        ? json(res, 429, { ok: false, error: 'ratelimited' }, { 'retry-after': '3' })
        : json(res, 200, { ok: true, ts: '1.2' });
    expect(await slack().send(SLACK_REPLY)).toMatchObject({ status: 'sent', attempts: 2 });
    expect(sleeps).toEqual([3000]);
    answer = (_q, res) => json(res, 200, { ok: false, error: 'channel_not_found' });
    expect(await slack().send(SLACK_REPLY)).toEqual({
      status: 'failed',
      attempts: 1,
      platform_message_id: null,
      error: 'slack 200: channel_not_found',
    });
  });
});
