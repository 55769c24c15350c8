import { describe, expect, it } from 'vitest';
import { exposureWarnings, isLoopbackHost } from './serve-exposure.js';

const proxy = (host: string) =>
  `listening on ${host}: put a TLS-terminating proxy in front (see docs/runbooks/server-mode.md)`;
const generic = (host: string) =>
  `anyone who reaches ${host} can start runs through /webhook/generic: set SDETKIT_WEBHOOK_SECRET or --require-auth`;
const telegram = (host: string) =>
  `anyone who reaches ${host} can start runs through /webhook/telegram: set SDETKIT_TELEGRAM_SECRET_TOKEN (the secret_token given to Telegram's setWebhook)`;

describe('exposureWarnings', () => {
  it('says nothing on loopback addresses, whatever is configured', () => {
    for (const host of ['127.0.0.1', '127.1.2.3', 'localhost', '::1']) {
      expect(isLoopbackHost(host)).toBe(true);
      expect(exposureWarnings(host, { env: {}, requireAuth: false })).toEqual([]);
    }
  });

  it('names every open webhook route on an exposed address', () => {
    for (const host of ['0.0.0.0', '::', '10.0.0.5', 'example.internal']) {
      expect(isLoopbackHost(host)).toBe(false);
      expect(exposureWarnings(host, { env: {}, requireAuth: false })).toEqual([
        proxy(host),
        generic(host),
        telegram(host),
      ]);
    }
  });

  it('drops a route once it verifies what it receives', () => {
    expect(exposureWarnings('0.0.0.0', { env: { SDETKIT_WEBHOOK_SECRET: 's' }, requireAuth: false })).toEqual(
      [proxy('0.0.0.0'), telegram('0.0.0.0')],
    );
    expect(exposureWarnings('0.0.0.0', { env: {}, requireAuth: true })).toEqual([
      proxy('0.0.0.0'),
      telegram('0.0.0.0'),
    ]);
    expect(
      exposureWarnings('0.0.0.0', {
        env: { SDETKIT_WEBHOOK_SECRET: 's', SDETKIT_TELEGRAM_SECRET_TOKEN: 't' },
        requireAuth: false,
      }),
    ).toEqual([proxy('0.0.0.0')]);
  });

  it('treats an empty secret as unset', () => {
    expect(
      exposureWarnings('0.0.0.0', {
        env: { SDETKIT_WEBHOOK_SECRET: '', SDETKIT_TELEGRAM_SECRET_TOKEN: '' },
        requireAuth: false,
      }),
    ).toEqual([proxy('0.0.0.0'), generic('0.0.0.0'), telegram('0.0.0.0')]);
  });
});
