// Hostile webhook payloads for every adapter, correctly signed so that parsing
// is reached (fast-check): each request becomes a valid normalized event or a
// 4xx with a reason; nothing throws and nothing reaches a prototype.

import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import {
  type AdapterResult,
  genericAdapter,
  hmacHex,
  inboundEventSchema,
  slackAdapter,
  telegramAdapter,
} from '@sdetkit/channels';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { listFiles, runCli, SUITE_SEED, scaled, startServer, tempWorkspace } from '../src/index.js';

const RUNS = scaled(400, 10_000);
const HTTP_RUNS = scaled(60, 1000);
const SECRET = 'CANARY-webhook-secret';
const NOW = 1_764_460_800;

const hostileString = fc.oneof(
  fc.string({ unit: 'binary', maxLength: 64 }),
  fc.constantFrom(
    '',
    ' ',
    '\0',
    '../../etc/passwd',
    '__proto__',
    'constructor',
    '<script>alert(1)</script>',
    '=HYPERLINK("http://x")',
    '\u202e',
    'x'.repeat(20_000),
  ),
);
const hostileValue = fc.oneof(
  hostileString,
  fc.integer(),
  fc.double(),
  fc.boolean(),
  fc.constant(null),
  fc.array(hostileString, { maxLength: 3 }),
  fc.dictionary(hostileString, hostileString, { maxKeys: 3 }),
);
const withHostileKeys = <T extends Record<string, unknown>>(base: fc.Arbitrary<T>) =>
  fc
    .tuple(
      base,
      fc.dictionary(fc.constantFrom('__proto__', 'constructor', 'prototype', 'extra'), hostileValue),
    )
    .map(([b, extra]) => ({ ...extra, ...b }));

/** Short hostile text that is still a plausible id or name. */
const shortText = fc.oneof(
  fc.string({ minLength: 1, maxLength: 40 }),
  fc.constantFrom(
    '../../etc/passwd',
    '__proto__',
    'constructor',
    '<script>alert(1)</script>',
    '=HYPERLINK("x")',
    '\u202e',
  ),
);
/** Mostly the right type with hostile contents, sometimes anything at all. */
const plausible = <T>(valid: fc.Arbitrary<T>) =>
  fc.oneof({ weight: 9, arbitrary: valid as fc.Arbitrary<unknown> }, { weight: 1, arbitrary: hostileValue });

const genericBody = withHostileKeys(
  fc.record(
    {
      channel: plausible(shortText),
      user_id: plausible(fc.oneof(shortText, fc.integer())),
      conversation_id: plausible(shortText),
      text: plausible(hostileString),
      metadata: plausible(fc.dictionary(shortText, hostileValue, { maxKeys: 3 })),
    },
    { requiredKeys: ['channel', 'user_id', 'text'] },
  ),
);
const telegramBody = withHostileKeys(
  fc.record(
    {
      update_id: plausible(fc.integer({ min: 1 })),
      message: plausible(
        fc.record(
          {
            message_id: plausible(fc.integer({ min: 1 })),
            text: plausible(hostileString),
            from: plausible(fc.record({ id: plausible(fc.integer({ min: 1 })), is_bot: fc.boolean() })),
            chat: plausible(
              fc.record({ id: plausible(fc.integer()), type: fc.constantFrom('private', 'group') }),
            ),
          },
          { requiredKeys: ['text', 'from', 'chat'] },
        ),
      ),
    },
    { requiredKeys: ['message'] },
  ),
);
const slackBody = withHostileKeys(
  fc.record(
    {
      type: plausible(fc.constantFrom('event_callback', 'event_callback', 'url_verification')),
      challenge: plausible(shortText),
      event_id: plausible(shortText),
      event: plausible(
        fc.record(
          {
            type: plausible(fc.constantFrom('message', 'app_mention')),
            text: plausible(hostileString),
            user: plausible(shortText),
            channel: plausible(shortText),
            ts: plausible(fc.constantFrom('1.0', '1700000000.000100')),
            thread_ts: plausible(fc.constantFrom('1.0', '1700000000.000100')),
            // Rarely set: any bot_id makes the event ignored.
            bot_id: fc.oneof(
              { weight: 9, arbitrary: fc.constant(undefined) },
              { weight: 1, arbitrary: hostileValue },
            ),
          },
          { requiredKeys: ['type', 'text', 'user', 'channel', 'ts'] },
        ),
      ),
    },
    { requiredKeys: ['type', 'event'] },
  ),
);

/** How often each kind of result came back, per adapter test. */
const kinds = new Map<string, number>();
function checkResult(result: AdapterResult): void {
  kinds.set(result.kind, (kinds.get(result.kind) ?? 0) + 1);
  expect(['event', 'reply', 'ignore', 'reject']).toContain(result.kind);
  if (result.kind === 'reject') {
    expect([400, 401, 403]).toContain(result.status);
    expect(result.error.length).toBeGreaterThan(0);
  }
  if (result.kind === 'event') {
    // A normalized event always fits the schema the router relies on.
    const parsed = inboundEventSchema.safeParse({
      ...result.event,
      tenant: 'default',
      received_at: '2025-11-30T00:00:00Z',
    });
    expect(parsed.success, JSON.stringify(parsed.error?.issues?.[0])).toBe(true);
  }
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
}

describe(`hostile webhook payloads (seed ${SUITE_SEED}, ${RUNS} runs per adapter)`, () => {
  it('generic: signed hostile bodies become events or 4xx', () => {
    kinds.clear();
    fc.assert(
      fc.property(genericBody, (body) => {
        const raw = Buffer.from(JSON.stringify(body));
        const headers = { 'x-sdetkit-signature': `sha256=${hmacHex(SECRET, raw)}` };
        checkResult(genericAdapter({ raw, headers, now: NOW }, { secret: SECRET }));
      }),
      { numRuns: RUNS, seed: SUITE_SEED },
    );
    // The success path is reached, not only the refusals.
    expect(kinds.get('event') ?? 0).toBeGreaterThan(RUNS / 10);
    expect(kinds.get('reject') ?? 0).toBeGreaterThan(0);
  });

  it('telegram: hostile updates with the right secret token become events, ignores or 4xx', () => {
    kinds.clear();
    fc.assert(
      fc.property(telegramBody, (body) => {
        const raw = Buffer.from(JSON.stringify(body));
        const headers = { 'x-telegram-bot-api-secret-token': SECRET };
        checkResult(telegramAdapter({ raw, headers, now: NOW }, { secretToken: SECRET }));
      }),
      { numRuns: RUNS, seed: SUITE_SEED },
    );
    // The success path is reached, not only the refusals.
    expect(kinds.get('event') ?? 0).toBeGreaterThan(RUNS / 10);
    expect(kinds.get('reject') ?? 0).toBeGreaterThan(0);
  });

  it('slack: signed hostile events become events, replies, ignores or 4xx', () => {
    kinds.clear();
    fc.assert(
      fc.property(slackBody, (body) => {
        const raw = Buffer.from(JSON.stringify(body));
        const signature = `v0=${hmacHex(SECRET, Buffer.concat([Buffer.from(`v0:${NOW}:`), raw]))}`;
        const headers = { 'x-slack-request-timestamp': String(NOW), 'x-slack-signature': signature };
        const result = slackAdapter({ raw, headers, now: NOW }, { signingSecret: SECRET });
        checkResult(result);
        // The url_verification answer echoes only a string challenge.
        if (result.kind === 'reply') expect(JSON.stringify(result.body).length).toBeLessThan(40_000);
      }),
      { numRuns: RUNS, seed: SUITE_SEED },
    );
    // The success path is reached, not only the refusals.
    expect(kinds.get('event') ?? 0).toBeGreaterThan(RUNS / 10);
    expect(kinds.get('reject') ?? 0).toBeGreaterThan(0);
  });

  it(`through a running server: ${HTTP_RUNS} signed hostile requests per adapter, never a 5xx`, async () => {
    const ws = await tempWorkspace('sdetkit-hostile-http-');
    await runCli(ws.root, ['agent', 'init']);
    const env = {
      SDETKIT_WEBHOOK_SECRET: SECRET,
      SDETKIT_SLACK_SIGNING_SECRET: SECRET,
      SDETKIT_TELEGRAM_SECRET_TOKEN: SECRET,
    };
    const server = await startServer(ws.root, [], env);
    const statuses = new Map<number, number>();
    try {
      const send = async (route: string, raw: Buffer, headers: Record<string, string>) => {
        const response = await fetch(server.url(route), {
          method: 'POST',
          headers: { 'content-type': 'application/json', ...headers },
          body: raw,
        });
        await response.arrayBuffer();
        statuses.set(response.status, (statuses.get(response.status) ?? 0) + 1);
        expect(response.status, `${route} ${raw.toString('utf8').slice(0, 200)}`).toBeLessThan(500);
      };
      const samples = (arb: fc.Arbitrary<Record<string, unknown>>) =>
        fc.sample(arb, { numRuns: HTTP_RUNS, seed: SUITE_SEED }).map((b) => Buffer.from(JSON.stringify(b)));
      for (const raw of samples(genericBody))
        await send('/webhook/generic', raw, { 'x-sdetkit-signature': `sha256=${hmacHex(SECRET, raw)}` });
      for (const raw of samples(telegramBody))
        await send('/webhook/telegram', raw, { 'x-telegram-bot-api-secret-token': SECRET });
      for (const raw of samples(slackBody)) {
        const ts = String(Math.floor(Date.now() / 1000));
        await send('/webhook/slack', raw, {
          'x-slack-request-timestamp': ts,
          'x-slack-signature': `v0=${hmacHex(SECRET, Buffer.concat([Buffer.from(`v0:${ts}:`), raw]))}`,
        });
      }
      expect((await fetch(server.url('/healthz'))).status).toBe(200);
    } finally {
      expect(await server.stop()).toBe(0);
    }
    // Whatever was accepted is on disk as whole, parseable lines.
    const conversations = path.join(ws.root, '.sdetkit/agent/conversations');
    for (const file of await listFiles(conversations).catch(() => [] as string[])) {
      const text = await readFile(path.join(conversations, file), 'utf8');
      for (const line of text.split('\n').filter(Boolean)) expect(() => JSON.parse(line), file).not.toThrow();
    }
    expect((await runCli(ws.root, ['agent', 'verify'])).code).toBe(0);
    expect((await readdir(ws.root)).sort()).toEqual(['.sdetkit']);
    await ws.cleanup();
    console.info(
      `hostile-webhooks: ${3 * HTTP_RUNS} requests through the server, statuses`,
      [...statuses].sort(),
    );
  });
});
