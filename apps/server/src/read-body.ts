import { readStreamCapped } from '@sdetkit/core-runs';

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
