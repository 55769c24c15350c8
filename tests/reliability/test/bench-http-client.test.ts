// The benchmarks' lean load generator: it must count every response and
// every failure exactly, or the server figures mean nothing.
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { afterEach, describe, expect, it } from 'vitest';
import { driveRequests, parseResponse } from '../../../scripts/bench-http-client.mjs';

let server: http.Server | undefined;
afterEach(async () => {
  await new Promise((resolve) => server?.close(resolve) ?? resolve(undefined));
  server = undefined;
});

/** A server on 127.0.0.1 and a free port; `respond` answers each request with its parsed JSON body. */
async function serve(respond: (res: http.ServerResponse, body: { i: number }) => void): Promise<number> {
  const created = http.createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => respond(res, JSON.parse(Buffer.concat(chunks).toString('utf8'))));
  });
  server = created;
  await new Promise<void>((resolve) => created.listen(0, '127.0.0.1', resolve));
  return (created.address() as AddressInfo).port;
}

async function drive(port: number, count: number, connections = 4) {
  const statuses: number[] = [];
  const bodies: string[] = [];
  const errors: string[] = [];
  await driveRequests({
    port,
    path: '/webhook/generic',
    connections,
    count,
    body: (i) => JSON.stringify({ i, text: `n\u00e9 ${i}` }),
    onResponse: (status, ms, body) => {
      expect(ms).toBeGreaterThanOrEqual(0);
      statuses.push(status);
      bodies.push(body.toString('utf8'));
    },
    onError: (error) => errors.push(error.message),
  });
  return { statuses, bodies, errors };
}

describe('bench-http-client', () => {
  it('sends every request once over keep-alive sockets and reads each whole response', async () => {
    const seen: number[] = [];
    const sockets = new Set<unknown>();
    const port = await serve((res, body) => {
      seen.push(body.i);
      sockets.add(res.socket);
      const text = JSON.stringify({ ok: true, echo: body.i, pad: '\u00e9'.repeat(body.i % 7) });
      res.writeHead(body.i % 10 === 0 ? 500 : 200, {
        'content-type': 'application/json',
        'content-length': Buffer.byteLength(text),
      });
      res.end(text);
    });
    const { statuses, bodies, errors } = await drive(port, 200);
    expect(errors).toEqual([]);
    expect(seen.sort((a, b) => a - b)).toEqual(Array.from({ length: 200 }, (_, i) => i));
    expect(statuses.filter((s) => s === 500)).toHaveLength(20);
    expect(bodies.map((b) => JSON.parse(b).echo).sort((a, b) => a - b)).toEqual(seen);
    expect(sockets.size).toBe(4);
  });

  it('reads a response that arrives in pieces, and reconnects after Connection: close', async () => {
    const port = await serve((res, body) => {
      const text = JSON.stringify({ ok: true, echo: body.i });
      res.writeHead(200, { 'content-length': Buffer.byteLength(text), connection: 'close' });
      res.write(text.slice(0, 3));
      setTimeout(() => res.end(text.slice(3)), 5);
    });
    const { statuses, bodies, errors } = await drive(port, 12, 3);
    expect(errors).toEqual([]);
    expect(statuses).toEqual(Array(12).fill(200));
    expect(bodies.map((b) => JSON.parse(b).echo).sort((a, b) => a - b)).toEqual(
      Array.from({ length: 12 }, (_, i) => i),
    );
  });

  it('counts a request whose connection drops, or whose response it cannot frame, as an error', async () => {
    const port = await serve((res, body) => {
      if (body.i === 1) res.socket?.destroy();
      else if (body.i === 2) {
        res.writeHead(200, { 'transfer-encoding': 'chunked' });
        res.end('chunked');
      } else res.end('{"ok":true}');
    });
    const { statuses, errors } = await drive(port, 6, 1);
    expect(statuses).toEqual(Array(4).fill(200));
    expect(errors).toEqual([
      'connection closed before the response ended',
      'unsupported Transfer-Encoding: chunked',
    ]);
  });

  it('frames responses strictly', () => {
    const ok = Buffer.from('HTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\n{}HTTP/1.1 200');
    expect(parseResponse(ok)).toMatchObject({ status: 201, close: false, size: ok.length - 12 });
    expect(parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\n{}'))).toBeUndefined();
    expect(parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Le'))).toBeUndefined();
    expect(parseResponse(Buffer.from('HTTP/1.0 200 OK\r\nContent-Length: 0\r\n\r\n'))?.close).toBe(true);
    expect(() => parseResponse(Buffer.from('SSH-2.0-OpenSSH\r\n\r\n'))).toThrow(
      'not an HTTP/1.x status line',
    );
    expect(() => parseResponse(Buffer.from('HTTP/1.1 200 OK\r\n\r\n'))).toThrow('without Content-Length');
    expect(() => parseResponse(Buffer.from('HTTP/1.1 200 OK\r\nContent-Length: -1\r\n\r\n'))).toThrow(
      'bad Content-Length',
    );
  });
});
