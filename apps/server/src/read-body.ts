import type { IncomingMessage } from 'node:http';
import { readStreamCapped } from '@sdetkit/core-runs';
import type { Context } from 'hono';

/** Thrown when a body is over the limit; the server answers 413. */
export class BodyTooLargeError extends Error {}

/**
 * Reads a request body up to `limit` bytes, streaming: a lying or missing
 * Content-Length cannot make the server buffer more than the limit.
 */
export async function readBodyCapped(request: Request, limit: number): Promise<Buffer> {
  const declared = Number(request.headers.get('content-length'));
  if (Number.isFinite(declared) && declared > limit) throw new BodyTooLargeError();
  return readStreamCapped(request.body, limit, () => new BodyTooLargeError());
}

/**
 * `readBodyCapped` straight from Node's request, without the web `Request`
 * and stream @hono/node-server would otherwise build for it (measured: about
 * a tenth of a webhook's CPU time). Past the limit it stops reading; Node
 * discards the rest after the 413 is sent.
 */
export function readIncomingCapped(incoming: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = Number(incoming.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new BodyTooLargeError());
  if (incoming.readableEnded) return Promise.resolve(Buffer.alloc(0));
  return new Promise<Buffer>((resolve, reject) => {
    const chunks: Buffer[] = [];
    let total = 0;
    const settle = (finish: () => void) => {
      incoming.off('data', onData);
      incoming.off('end', onEnd);
      incoming.off('error', onError);
      incoming.off('close', onClose);
      finish();
    };
    const onData = (chunk: Buffer) => {
      total += chunk.length;
      if (total > limit) {
        incoming.pause();
        settle(() => reject(new BodyTooLargeError()));
      } else chunks.push(chunk);
    };
    const onEnd = () =>
      settle(() => resolve(chunks.length === 1 ? (chunks[0] as Buffer) : Buffer.concat(chunks, total)));
    const onError = (error: Error) => settle(() => reject(error));
    const onClose = () => settle(() => reject(new Error('request closed before its body ended')));
    incoming.on('data', onData);
    incoming.once('end', onEnd);
    incoming.once('error', onError);
    incoming.once('close', onClose);
  });
}

/** Node's request behind a Hono context, when it runs on @hono/node-server. */
export function incomingOf(c: Context): IncomingMessage | undefined {
  const incoming = (c.env as { incoming?: unknown } | undefined)?.incoming;
  return incoming !== null && typeof incoming === 'object' && 'headers' in incoming && 'on' in incoming
    ? (incoming as IncomingMessage)
    : undefined;
}

/** The request body, capped (see `readBodyCapped`), from Node's request when there is one. */
export function readContextBody(c: Context, limit: number): Promise<Buffer> {
  const incoming = incomingOf(c);
  return incoming ? readIncomingCapped(incoming, limit) : readBodyCapped(c.req.raw, limit);
}

/** Request headers as one lowercase record (repeated headers joined with `, `, as `Headers` does). */
export function headerRecord(c: Context): Record<string, string> {
  const headers: Record<string, string> = {};
  const incoming = incomingOf(c);
  if (incoming) {
    for (const [key, value] of Object.entries(incoming.headers))
      if (value !== undefined) headers[key] = Array.isArray(value) ? value.join(', ') : value;
    return headers;
  }
  c.req.raw.headers.forEach((value, key) => {
    headers[key] = value;
  });
  return headers;
}
