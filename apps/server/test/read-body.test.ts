import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { serve } from '@hono/node-server';
import { Hono } from 'hono';
import { afterEach, describe, expect, it } from 'vitest';
import {
  BodyTooLargeError,
  headerRecord,
  incomingOf,
  readContextBody,
  readIncomingCapped,
} from '../src/read-body.js';

let server: http.Server | undefined;
afterEach(() => new Promise<void>((resolve) => (server ? server.close(() => resolve()) : resolve())));

/** A server on a free loopback port whose handler reads the body with `readIncomingCapped(limit)`. */
async function start(limit: number): Promise<number> {
  server = http.createServer((request, response) => {
    readIncomingCapped(request, limit).then(
      (body) => response.end(`ok ${body.length} ${body.toString('utf8').slice(0, 20)}`),
      (error: Error) => {
        response.statusCode = error instanceof BodyTooLargeError ? 413 : 500;
        response.end(error.constructor.name);
      },
    );
  });
  await new Promise<void>((resolve) => server!.listen(0, '127.0.0.1', resolve));
  return (server!.address() as AddressInfo).port;
}

/** POSTs `pieces` as a chunked body (no Content-Length) or with one. */
function post(port: number, pieces: string[], chunked: boolean): Promise<{ status: number; text: string }> {
  return new Promise((resolve, reject) => {
    const body = pieces.join('');
    const request = http.request(
      {
        host: '127.0.0.1',
        port,
        method: 'POST',
        headers: chunked ? { 'transfer-encoding': 'chunked' } : { 'content-length': Buffer.byteLength(body) },
      },
      (response) => {
        let text = '';
        response.setEncoding('utf8');
        response.on('data', (c) => (text += c));
        response.on('end', () => resolve({ status: response.statusCode ?? 0, text }));
      },
    );
    request.on('error', reject);
    if (chunked) for (const piece of pieces) request.write(piece);
    else request.write(body);
    request.end();
  });
}

describe('readIncomingCapped', () => {
  it('reads a body in one piece or many, up to and including the limit', async () => {
    const port = await start(64);
    expect(await post(port, ['{"a":', '1}'], true)).toEqual({ status: 200, text: 'ok 7 {"a":1}' });
    expect(await post(port, ['x'.repeat(64)], false)).toEqual({
      status: 200,
      text: `ok 64 ${'x'.repeat(20)}`,
    });
    expect(await post(port, [], false)).toEqual({ status: 200, text: 'ok 0 ' });
  });

  it('refuses a declared length over the limit before reading, and a chunked body once it passes it', async () => {
    const port = await start(64);
    expect(await post(port, ['x'.repeat(65)], false)).toEqual({ status: 413, text: 'BodyTooLargeError' });
    expect(await post(port, ['x'.repeat(40), 'y'.repeat(40)], true)).toEqual({
      status: 413,
      text: 'BodyTooLargeError',
    });
  });
});

describe('readContextBody and headerRecord on @hono/node-server', () => {
  it("read Node's request itself, not a web Request built for it", async () => {
    const app = new Hono();
    app.post('/', async (c) => {
      const body = await readContextBody(c, 64);
      return c.json({
        node: incomingOf(c) !== undefined,
        body: body.toString('utf8'),
        headers: headerRecord(c),
      });
    });
    const started = await new Promise<{ close(): void; port: number }>((resolve) => {
      const listener = serve({ fetch: app.fetch, port: 0, hostname: '127.0.0.1' }, (info) =>
        resolve({ close: () => listener.close(), port: info.port }),
      );
    });
    try {
      const response = await fetch(`http://127.0.0.1:${started.port}/`, {
        method: 'POST',
        headers: { 'x-sdetkit-signature': 'sha256=ab', 'content-type': 'application/json' },
        body: '{"a":1}',
      });
      expect(await response.json()).toMatchObject({
        node: true,
        body: '{"a":1}',
        headers: { 'x-sdetkit-signature': 'sha256=ab', 'content-type': 'application/json' },
      });
    } finally {
      started.close();
    }
  });
});
