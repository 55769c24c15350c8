import type { ReplyOutcome } from './outgoing-reply.js';

export interface ReplyHttpOptions {
  /** Tries per reply (default 3). */
  maxAttempts?: number;
  /** Per-request timeout (default 10 s). */
  timeoutMs?: number;
  /** Injected for tests. */
  fetch?: typeof fetch;
  sleep?: (ms: number) => Promise<void>;
}

/** What one platform answer means for the retry loop. */
export type ReplyVerdict =
  | { kind: 'sent'; platform_message_id: string | null }
  | { kind: 'retry'; after_s: number | null; error: string }
  | { kind: 'failed'; error: string };

/** Errors raised before a request left this machine: retrying them cannot post twice. */
const NOT_SENT = new Set(['ECONNREFUSED', 'ENOTFOUND', 'EAI_AGAIN', 'EHOSTUNREACH', 'ENETUNREACH']);

/**
 * POSTs a reply, retrying only when the platform certainly did not post it
 * (it said "rate limited", or the connection was never made). A timeout, a
 * reset or a 5xx is ambiguous: it fails once rather than risk posting twice.
 * Errors name the platform's error code, never the URL (bot tokens live in
 * Telegram URLs) or headers.
 */
export async function postReply(
  url: string,
  init: { headers: Record<string, string>; body: unknown },
  judge: (status: number, headers: Headers, body: unknown) => ReplyVerdict,
  options: ReplyHttpOptions,
): Promise<ReplyOutcome> {
  const maxAttempts = options.maxAttempts ?? 3;
  const doFetch = options.fetch ?? fetch;
  const sleep = options.sleep ?? ((ms) => new Promise((resolve) => setTimeout(resolve, ms)));
  let last = 'no attempt made';
  for (let attempt = 1; attempt <= maxAttempts; attempt++) {
    let verdict: ReplyVerdict;
    try {
      const response = await doFetch(url, {
        method: 'POST',
        headers: { 'content-type': 'application/json; charset=utf-8', ...init.headers },
        body: JSON.stringify(init.body),
        signal: AbortSignal.timeout(options.timeoutMs ?? 10_000),
      });
      const body = await response.json().catch(() => null);
      verdict = judge(response.status, response.headers, body);
    } catch (error) {
      const code = (error as { cause?: { code?: string } }).cause?.code;
      verdict =
        code !== undefined && NOT_SENT.has(code)
          ? { kind: 'retry', after_s: null, error: `connection failed (${code})` }
          : {
              kind: 'failed',
              error:
                (error as Error).name === 'TimeoutError'
                  ? 'timed out (not retried: it may have been posted)'
                  : `request failed (${code ?? (error as Error).name}; not retried: it may have been posted)`,
            };
    }
    if (verdict.kind === 'sent')
      return {
        status: 'sent',
        attempts: attempt,
        platform_message_id: verdict.platform_message_id,
        error: null,
      };
    if (verdict.kind === 'failed')
      return { status: 'failed', attempts: attempt, platform_message_id: null, error: verdict.error };
    last = verdict.error;
    if (attempt < maxAttempts)
      await sleep(Math.min((verdict.after_s ?? 0.25 * 2 ** (attempt - 1)) * 1000, 30_000));
  }
  return {
    status: 'failed',
    attempts: maxAttempts,
    platform_message_id: null,
    error: `${last} after ${maxAttempts} attempts`,
  };
}
