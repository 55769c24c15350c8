import { readStreamCapped } from './read-capped.js';

/** Why a provider call failed; lands in the run record's plan step. */
export class ProviderError extends Error {
  constructor(
    readonly kind: 'unreachable' | 'timeout' | 'http' | 'malformed' | 'too-large' | 'refused',
    message: string,
  ) {
    super(message);
    this.name = 'ProviderError';
  }
}

export interface PostJsonOptions {
  headers?: Record<string, string>;
  timeoutMs: number;
  maxRetries: number;
  maxBytes: number;
  /** For tests: no real waiting between retries. */
  sleep?: (ms: number) => Promise<void>;
}

const RETRYABLE = new Set([408, 429, 500, 502, 503, 504]);

async function readCapped(response: Response, maxBytes: number): Promise<string> {
  const body = await readStreamCapped(
    response.body,
    maxBytes,
    () => new ProviderError('too-large', `response larger than ${maxBytes} bytes`),
  );
  return body.toString('utf8');
}

/**
 * POSTs JSON and parses the JSON answer, with a timeout per attempt, bounded
 * retries with exponential backoff on 408/429/5xx and network errors
 * (honouring Retry-After), and a cap on the response size.
 */
export async function postJson(url: string, body: unknown, options: PostJsonOptions): Promise<unknown> {
  const sleep = options.sleep ?? ((ms: number) => new Promise((resolve) => setTimeout(resolve, ms)));
  const host = new URL(url).host;
  let lastError: ProviderError | undefined;
  for (let attempt = 0; attempt <= options.maxRetries; attempt++) {
    if (attempt > 0) await sleep(Math.min(200 * 2 ** (attempt - 1), 5000));
    const controller = new AbortController();
    const timer = setTimeout(() => controller.abort(), options.timeoutMs);
    try {
      let response: Response;
      try {
        response = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', ...options.headers },
          body: JSON.stringify(body),
          signal: controller.signal,
        });
      } catch (error) {
        lastError = controller.signal.aborted
          ? new ProviderError('timeout', `${host}: no answer within ${options.timeoutMs} ms`)
          : new ProviderError(
              'unreachable',
              `${host}: cannot connect (${((error as Error).cause as Error | undefined)?.message ?? (error as Error).message})`,
            );
        continue;
      }
      const text = await readCapped(response, options.maxBytes);
      if (!response.ok) {
        lastError = new ProviderError(
          response.status === 401 || response.status === 403 ? 'refused' : 'http',
          `${host}: HTTP ${response.status}`,
        );
        if (!RETRYABLE.has(response.status)) throw lastError;
        const retryAfter = Number(response.headers.get('retry-after'));
        if (Number.isFinite(retryAfter) && retryAfter > 0 && attempt < options.maxRetries)
          await sleep(Math.min(retryAfter * 1000, 10_000));
        continue;
      }
      try {
        return JSON.parse(text);
      } catch {
        throw new ProviderError('malformed', `${host}: answer is not JSON`);
      }
    } catch (error) {
      if (
        error instanceof ProviderError &&
        (error.kind === 'too-large' ||
          error.kind === 'malformed' ||
          error.kind === 'refused' ||
          error.kind === 'http')
      )
        throw error;
      lastError = controller.signal.aborted
        ? new ProviderError('timeout', `${host}: no answer within ${options.timeoutMs} ms`)
        : (error as ProviderError);
    } finally {
      clearTimeout(timer);
    }
  }
  throw lastError ?? new ProviderError('unreachable', `${host}: no answer`);
}
