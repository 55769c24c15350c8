import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createServerLogger } from './server-logger.js';

function capture() {
  const lines: Record<string, unknown>[] = [];
  const sink = new Writable({
    write(chunk, _encoding, done) {
      for (const line of String(chunk).trim().split('\n')) lines.push(JSON.parse(line));
      done();
    },
  });
  return { logger: createServerLogger(sink), lines };
}

describe('createServerLogger', () => {
  it('redacts credentials at the top level and in request headers', () => {
    const { logger, lines } = capture();
    logger.info(
      {
        authorization: 'Bearer sdk_top',
        token: 'sdk_token',
        signature: 'sha256=abc',
        secret: 'hook-secret',
        headers: {
          authorization: 'Bearer sdk_h',
          'x-slack-signature': 'v0=1',
          'content-type': 'application/json',
        },
        req: { headers: { 'x-sdetkit-signature': 'sha256=2', 'x-telegram-bot-api-secret-token': 'tg' } },
      },
      'with credentials',
    );
    expect(lines[0]).toMatchObject({
      authorization: '[redacted]',
      token: '[redacted]',
      signature: '[redacted]',
      secret: '[redacted]',
      headers: {
        authorization: '[redacted]',
        'x-slack-signature': '[redacted]',
        'content-type': 'application/json',
      },
      req: {
        headers: { 'x-sdetkit-signature': '[redacted]', 'x-telegram-bot-api-secret-token': '[redacted]' },
      },
    });
    const text = JSON.stringify(lines);
    for (const secret of ['sdk_top', 'sdk_token', 'sha256=', 'hook-secret', 'sdk_h', 'v0=1', '"tg"'])
      expect(text).not.toContain(secret);
  });

  it('writes a request line as it is', () => {
    const { logger, lines } = capture();
    const fields = {
      method: 'POST',
      path: '/webhook/generic',
      route: '/webhook/generic',
      status: 200,
      ms: 1.5,
      tenant: 'default',
    };
    logger.info(fields, 'request');
    expect(lines[0]).toMatchObject({ ...fields, msg: 'request', service: 'sdetkit-server', level: 30 });
  });
});
