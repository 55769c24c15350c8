import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { genericAdapter } from './generic-adapter.js';
import type { AdapterRequest } from './inbound-event.js';
import { slackAdapter } from './slack-adapter.js';
import { telegramAdapter } from './telegram-adapter.js';
import { hmacHex } from './verification.js';

const NOW = 1_700_000_000;
const req = (body: unknown, headers: Record<string, string> = {}): AdapterRequest => ({
  raw: Buffer.from(typeof body === 'string' ? body : JSON.stringify(body)),
  headers,
  now: NOW,
});

describe('generic adapter', () => {
  it('normalizes the contract body', () => {
    expect(genericAdapter(req({ channel: 'ci', user_id: 'u1', text: 'audit' }), {})).toMatchObject({
      kind: 'event',
      event: { channel: 'ci', user_id: 'u1', conversation_id: 'u1', text: 'audit', metadata: {} },
      idempotencyKey: null,
    });
  });

  it('rejects non-JSON and missing fields with 400', () => {
    expect(genericAdapter(req('not json'))).toMatchObject({ kind: 'reject', status: 400 });
    expect(genericAdapter(req({ channel: 'ci', text: 'x' }))).toMatchObject({
      kind: 'reject',
      status: 400,
      error: expect.stringContaining('user_id'),
    });
  });

  it('says what is wrong with a body, every problem at once', () => {
    const error = (body: unknown) => {
      const result = genericAdapter(req(body));
      return result.kind === 'reject' ? result.error : result.kind;
    };
    expect(error('not json')).toBe('body is not valid JSON');
    expect(error('')).toBe('body is empty: expected a JSON object');
    expect(error([1])).toBe('body must be a JSON object, not an array');
    expect(error(null)).toBe('body must be a JSON object, not null');
    expect(error('"text"')).toBe('body must be a JSON object, not a string');
    expect(error({})).toBe('channel: required; user_id: required; text: required');
    const userIdError =
      'user_id: expected a string of 1 to 256 characters, or a whole number up to 2^53 - 1 (send larger ids as strings)';
    expect(error({ channel: 'ci', user_id: true, text: 'x' })).toBe(userIdError);
    // Digits beyond 2^53 are lost in JSON.parse: two users would become one.
    expect(error('{"channel":"ci","user_id":12345678901234567890,"text":"x"}')).toBe(userIdError);
    expect(error({ channel: 'ci', user_id: 1.5, text: 'x' })).toBe(userIdError);
    expect(error({ channel: 'ci', user_id: 9_007_199_254_740_991, text: 'x' })).toBe('event');
    expect(error({ channel: 'ci', user_id: '12345678901234567890', text: 'x' })).toBe('event');
    expect(error({ channel: 'ci', user_id: '', text: 5 })).toMatch(
      /^user_id: .*>=1 characters; text: .*string/,
    );
    expect(error({ channel: 'ci', user_id: 7, text: 'x' })).toBe('event');
  });

  it('gives the same body errors on every webhook', () => {
    const secret = 's';
    const raw = '[]';
    const timestamp = String(NOW);
    const slack = slackAdapter(
      req(raw, {
        'x-slack-request-timestamp': timestamp,
        'x-slack-signature': `v0=${hmacHex(secret, `v0:${timestamp}:${raw}`)}`,
      }),
      { signingSecret: secret },
    );
    expect(slack).toEqual({ kind: 'reject', status: 400, error: 'body must be a JSON object, not an array' });
    expect(telegramAdapter(req('{'), {})).toEqual({
      kind: 'reject',
      status: 400,
      error: 'body is not valid JSON',
    });
  });

  it('requires a valid signature when a secret is configured', () => {
    const raw = JSON.stringify({ channel: 'ci', user_id: 'u', text: 't' });
    const good = `sha256=${hmacHex('s3cret', raw)}`;
    expect(genericAdapter(req(raw, { 'x-sdetkit-signature': good }), { secret: 's3cret' }).kind).toBe(
      'event',
    );
    expect(
      genericAdapter(req(raw, { 'x-sdetkit-signature': `sha256=${'0'.repeat(64)}` }), { secret: 's3cret' }),
    ).toMatchObject({ status: 401 });
    expect(genericAdapter(req(raw), { secret: 's3cret' })).toMatchObject({ status: 401 });
  });

  it('keys idempotency on the Idempotency-Key header', () => {
    expect(
      genericAdapter(req({ channel: 'ci', user_id: 'u', text: 't' }, { 'idempotency-key': 'abc' })),
    ).toMatchObject({ idempotencyKey: 'generic:abc' });
  });

  it('refuses an Idempotency-Key it would not keep: over 256 characters or not printable ASCII', () => {
    const body = { channel: 'ci', user_id: 'u', text: 't' };
    const refused = {
      kind: 'reject',
      status: 400,
      error: 'Idempotency-Key header: expected 1 to 256 printable ASCII characters',
    };
    expect(genericAdapter(req(body, { 'idempotency-key': 'k'.repeat(257) }))).toEqual(refused);
    expect(genericAdapter(req(body, { 'idempotency-key': 'caf\u00e9' }))).toEqual(refused);
    expect(genericAdapter(req(body, { 'idempotency-key': 'a\tb' }))).toEqual(refused);
    expect(genericAdapter(req(body, { 'idempotency-key': 'k'.repeat(256) }))).toMatchObject({
      idempotencyKey: `generic:${'k'.repeat(256)}`,
    });
    expect(genericAdapter(req(body, { 'idempotency-key': 'order 42/retry-1' }))).toMatchObject({
      idempotencyKey: 'generic:order 42/retry-1',
    });
  });
});

describe('telegram adapter', () => {
  const update = {
    update_id: 7,
    message: { message_id: 3, text: 'hi', chat: { id: -100 }, from: { id: 42 } },
  };

  it('keys the user by sender inside the chat', () => {
    expect(telegramAdapter(req(update))).toMatchObject({
      kind: 'event',
      event: { channel: 'telegram', user_id: '-100:42', conversation_id: '-100', message_id: '3' },
      idempotencyKey: 'telegram:7',
    });
    const edited = { update_id: 8, edited_message: update.message };
    expect(telegramAdapter(req(edited))).toMatchObject({
      kind: 'event',
      event: { metadata: { edited: true } },
    });
  });

  it('checks the secret token when configured', () => {
    expect(
      telegramAdapter(req(update, { 'x-telegram-bot-api-secret-token': 'wrong' }), { secretToken: 'right' }),
    ).toMatchObject({ status: 401 });
    expect(
      telegramAdapter(req(update, { 'x-telegram-bot-api-secret-token': 'right' }), { secretToken: 'right' })
        .kind,
    ).toBe('event');
  });

  it('rejects updates without a text message', () => {
    expect(telegramAdapter(req({ update_id: 1 }))).toMatchObject({ kind: 'reject', status: 400 });
  });

  it('names the field a malformed update gets wrong', () => {
    const result = telegramAdapter(req({ update_id: 1, message: { chat: { id: 1 } } }));
    expect(result).toMatchObject({ kind: 'reject', status: 400 });
    expect(result.kind === 'reject' && result.error).toMatch(
      /^not a Telegram update: message\.message_id: .*number/,
    );
  });
});

describe('slack adapter', () => {
  const secret = 'slack-signing-secret';
  const sign = (raw: string, ts = String(NOW)) => ({
    'x-slack-request-timestamp': ts,
    'x-slack-signature': `v0=${hmacHex(secret, `v0:${ts}:${raw}`)}`,
  });
  const event = (extra: object) =>
    JSON.stringify({
      type: 'event_callback',
      team_id: 'T1',
      event_id: 'Ev1',
      event: { type: 'message', user: 'U1', text: 'run audit', channel: 'C1', ts: '1.1', ...extra },
    });

  it('verifies the signature before anything else, then normalizes by thread', () => {
    const raw = event({ thread_ts: '0.5' });
    expect(slackAdapter(req(raw, sign(raw)), { signingSecret: secret })).toMatchObject({
      kind: 'event',
      event: { channel: 'slack', user_id: 'T1:U1', conversation_id: 'C1:0.5', text: 'run audit' },
      idempotencyKey: 'slack:Ev1',
    });
  });

  it('rejects ids too long for the event schema (user, channel, ts, team) with 400', () => {
    for (const extra of [{ user: 'U'.repeat(300) }, { channel: 'C'.repeat(300) }, { ts: '1'.repeat(300) }]) {
      const raw = event(extra);
      expect(slackAdapter(req(raw, sign(raw)), { signingSecret: secret })).toMatchObject({
        status: 400,
        error: expect.stringMatching(
          new RegExp(`^event_callback without a valid event: event\\.${Object.keys(extra)[0]}: `),
        ),
      });
    }
    const raw = event({}).replace('"T1"', `"${'T'.repeat(300)}"`);
    expect(slackAdapter(req(raw, sign(raw)), { signingSecret: secret })).toMatchObject({
      status: 400,
      error: 'team_id too long',
    });
  });

  it('rejects a bad signature and a stale timestamp with 401', () => {
    const raw = event({});
    expect(
      slackAdapter(req(raw, { ...sign(raw), 'x-slack-signature': 'v0=bad' }), { signingSecret: secret }),
    ).toMatchObject({ status: 401 });
    const stale = String(NOW - 301);
    expect(slackAdapter(req(raw, sign(raw, stale)), { signingSecret: secret })).toMatchObject({
      status: 401,
      error: expect.stringContaining('stale'),
    });
    // An unsigned url_verification is not answered.
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'c' });
    expect(slackAdapter(req(challenge), { signingSecret: secret })).toMatchObject({ kind: 'reject' });
  });

  it('answers url_verification only when signed, strips mentions, ignores bots', () => {
    const challenge = JSON.stringify({ type: 'url_verification', challenge: 'xyz' });
    expect(slackAdapter(req(challenge, sign(challenge)), { signingSecret: secret })).toEqual({
      kind: 'reply',
      status: 200,
      body: { challenge: 'xyz' },
    });
    const mention = event({ type: 'app_mention', text: '<@UBOT> build the dashboard' });
    expect(slackAdapter(req(mention, sign(mention)), { signingSecret: secret })).toMatchObject({
      event: { text: 'build the dashboard' },
    });
    const bot = event({ bot_id: 'B1' });
    expect(slackAdapter(req(bot, sign(bot)), { signingSecret: secret })).toMatchObject({ kind: 'ignore' });
  });
});

describe('every adapter on random payloads', () => {
  it('never throws and always returns a known result kind', () => {
    const secret = 'k';
    fc.assert(
      fc.property(
        fc.oneof(
          fc.json(),
          fc.string(),
          fc.uint8Array({ maxLength: 200 }).map((a) => Buffer.from(a).toString('latin1')),
        ),
        fc.dictionary(
          fc.constantFrom(
            'x-slack-signature',
            'x-slack-request-timestamp',
            'x-telegram-bot-api-secret-token',
            'x-sdetkit-signature',
            'idempotency-key',
          ),
          fc.string(),
        ),
        (body, headers) => {
          const request = { raw: Buffer.from(body, 'latin1'), headers, now: NOW };
          for (const result of [
            genericAdapter(request),
            genericAdapter(request, { secret }),
            telegramAdapter(request),
            telegramAdapter(request, { secretToken: secret }),
            slackAdapter(request, { signingSecret: secret }),
          ]) {
            expect(['event', 'reply', 'ignore', 'reject']).toContain(result.kind);
            if (result.kind === 'reject') expect([400, 401, 403]).toContain(result.status);
          }
        },
      ),
      { numRuns: 500 },
    );
  });
});
