import path from 'node:path';
import { serve } from '@hono/node-server';
import {
  type AdapterRequest,
  type AdapterResult,
  FileBucketStore,
  FileConversationStore,
  genericAdapter,
  IdempotencyStore,
  type InboundEvent,
  type RouteResult,
  routeEvent,
  slackAdapter,
  TOKENS_FILE,
  TokenBucketRateLimiter,
  TokenStore,
  telegramAdapter,
} from '@sdetkit/channels';
import {
  type ActionRegistry,
  ConfigStore,
  createCachedProvider,
  createProviderFromConfig,
  FileHistoryStore,
  formatCapturedAt,
  Ledger,
  LedgerBatcher,
  runTask,
  type TaskPlanner,
} from '@sdetkit/core-runs';
import { AGENT_DIR, type AgentConfig, type ApprovalGate, createApprovalGate } from '@sdetkit/policy';
import type { TemplateCatalog } from '@sdetkit/templates';
import { type Context, Hono } from 'hono';
import { type Logger, pino } from 'pino';
import { BodyTooLargeError, readBodyCapped } from './read-body.js';
import { createRestApi } from './rest-api.js';
import { ServerMetrics } from './server-metrics.js';

export interface ServerOptions {
  /** Absolute workspace root (its `.sdetkit/agent/` holds history, conversations and rate limits). */
  workspaceRoot: string;
  config: AgentConfig;
  /** The action set, planners and template catalog runs use (the CLI's shared runtime). */
  runtime: (gate: ApprovalGate) => {
    registry: ActionRegistry;
    planners: readonly TaskPlanner[];
    catalog?: () => Promise<TemplateCatalog>;
  };
  /** Service tokens for `/api/v1` (default: `.sdetkit/agent/tokens.json`). */
  tokens?: TokenStore;
  host?: string;
  port?: number;
  rateLimit?: { maxTokens: number; refillPerSecond: number };
  /** From the environment, never from flags or records. */
  secrets?: {
    genericWebhook?: string | undefined;
    telegramSecretToken?: string | undefined;
    slackSigningSecret?: string | undefined;
  };
  /** Largest request body (default 1 MiB); larger gets 413. */
  bodyLimitBytes?: number;
  tenant?: string;
  clock?: () => Date;
  /** Structured JSON logs; default: info level to stderr. */
  logger?: Logger;
}

export interface SdetkitServer {
  app: Hono;
  metrics: ServerMetrics;
  /** Starts listening; resolves with the bound address. */
  listen(): Promise<{ host: string; port: number }>;
  /** Stops accepting, drains in-flight requests and background work, flushes stores. */
  close(): Promise<void>;
}

const JSON_TYPE = /^application\/json\b/i;

/**
 * The Hono app behind `sdetkit agent serve`: webhook routes that verify,
 * normalize, rate-limit and route events into AgentOS, plus health, readiness
 * and Prometheus metrics. Every failure is a JSON answer; one request's crash
 * never stops the server.
 */
export function createServer(options: ServerOptions): SdetkitServer {
  const root = options.workspaceRoot;
  const agentDir = path.join(root, AGENT_DIR);
  const config = options.config;
  const tenant = options.tenant ?? 'default';
  const bodyLimit = options.bodyLimitBytes ?? 1024 * 1024;
  const clock = options.clock ?? (() => new Date());
  const metrics = new ServerMetrics();
  // Logs never carry headers, bodies or query strings; redaction is a second guard.
  const logger =
    options.logger ??
    pino(
      {
        level: 'info',
        base: { service: 'sdetkit-server' },
        redact: {
          paths: [
            '*.authorization',
            '*.token',
            '*.signature',
            '*["x-slack-signature"]',
            '*["x-sdetkit-signature"]',
            '*["x-telegram-bot-api-secret-token"]',
          ],
          censor: '[redacted]',
        },
      },
      pino.destination(2),
    );
  // Chat-triggered runs never prompt: dangerous actions are denied unless policy allows them outright.
  const gate = createApprovalGate();
  const { registry, planners, catalog } = options.runtime(gate);
  const provider = createCachedProvider(createProviderFromConfig(config), {
    cacheDir: path.join(agentDir, 'cache'),
    enabled: true,
  });
  const history = new FileHistoryStore(path.join(agentDir, 'history'), `${AGENT_DIR}/history`);
  const ledger = new LedgerBatcher(new Ledger(agentDir));
  const conversations = new FileConversationStore(path.join(agentDir, 'conversations'));
  const limiter = new TokenBucketRateLimiter({
    capacity: options.rateLimit?.maxTokens ?? 5,
    refillPerSecond: options.rateLimit?.refillPerSecond ?? 1,
    store: new FileBucketStore(path.join(agentDir, 'rate_limits')),
  });
  const idempotency = new IdempotencyStore<RouteResult>();
  const background = new Set<Promise<unknown>>();
  // Saved with the first run (so every recorded run can be replayed with its config).
  let configSnapshot: Promise<string> | undefined;
  let closing = false;

  const runAndRecord = async (task: string) => {
    configSnapshot ??= new ConfigStore(agentDir).save(config);
    await configSnapshot;
    const record = await runTask({
      task,
      workspaceRoot: root,
      config,
      registry,
      planners,
      approvalGate: gate,
      provider,
      clock,
    });
    const saved = await history.save(record);
    if (saved.created)
      await ledger.append({ kind: 'run', hash: record.hash, captured_at: record.captured_at });
    metrics.run(record.status);
    return record;
  };
  const run = (event: InboundEvent) => runAndRecord(event.text);

  const app = new Hono();
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const ms = performance.now() - started;
    const route = c.req.routePath === '/*' ? 'unmatched' : c.req.routePath;
    metrics.request(route, c.res.status, ms);
    logger.info(
      {
        method: c.req.method,
        path: new URL(c.req.url).pathname,
        route,
        status: c.res.status,
        ms: Math.round(ms * 10) / 10,
        tenant,
      },
      'request',
    );
  });

  const handle = async (
    c: Context,
    adapter: (request: AdapterRequest) => AdapterResult,
    asynchronous = false,
  ) => {
    if (closing) return c.json({ ok: false, error: 'server is shutting down' }, 503);
    if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) {
      return c.json({ ok: false, error: 'content-type must be application/json' }, 415);
    }
    let raw: Buffer;
    try {
      raw = await readBodyCapped(c.req.raw, bodyLimit);
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        return c.json({ ok: false, error: `body larger than ${bodyLimit} bytes` }, 413);
      throw error;
    }
    const headers: Record<string, string> = {};
    c.req.raw.headers.forEach((value, key) => {
      headers[key] = value;
    });
    const result = adapter({ raw, headers, now: Math.floor(clock().getTime() / 1000) });
    if (result.kind === 'reject') {
      if (result.status === 401) metrics.verificationFailures++;
      return c.json({ ok: false, error: result.error }, result.status);
    }
    if (result.kind === 'reply') return c.json(result.body as object, result.status as 200);
    if (result.kind === 'ignore')
      return c.json({ ok: true, result: { status: 'ignored', reason: result.reason } });
    const event: InboundEvent = { ...result.event, tenant, received_at: formatCapturedAt(clock()) };
    const work = idempotency.once(result.idempotencyKey, () =>
      routeEvent(event, { limiter, conversations, run }).then((routed) => {
        if (routed.status === 'rate_limited') metrics.rateLimited++;
        return routed;
      }),
    );
    if (asynchronous) {
      // Slack wants an answer within 3 seconds: acknowledge now, run in the background.
      const tracked = work.then(
        ({ duplicate }) => {
          if (duplicate) metrics.duplicates++;
        },
        () => {},
      );
      background.add(tracked);
      void tracked.finally(() => background.delete(tracked));
      return c.json({ ok: true, result: { status: 'accepted' } });
    }
    const { result: routed, duplicate } = await work;
    if (duplicate) metrics.duplicates++;
    return c.json({ ok: true, result: { ...routed, ...(duplicate ? { duplicate: true } : {}) } });
  };

  app.post('/webhook/generic', (c) =>
    handle(c, (r) => genericAdapter(r, { secret: options.secrets?.genericWebhook })),
  );
  app.post('/webhook/telegram', (c) =>
    handle(c, (r) => telegramAdapter(r, { secretToken: options.secrets?.telegramSecretToken })),
  );
  app.post('/webhook/slack', (c) =>
    handle(c, (r) => slackAdapter(r, { signingSecret: options.secrets?.slackSigningSecret }), true),
  );
  app.route(
    '/api/v1',
    createRestApi({
      workspaceRoot: root,
      historyDir: path.join(agentDir, 'history'),
      tenant,
      config,
      tokens: options.tokens ?? new TokenStore(path.join(agentDir, TOKENS_FILE)),
      history,
      ledger,
      approvalGate: gate,
      registry,
      ...(catalog ? { catalog } : {}),
      runTask: runAndRecord,
      readBody: (c) => readBodyCapped(c.req.raw, bodyLimit),
    }),
  );
  app.get('/healthz', (c) => c.json({ ok: true }));
  app.get('/readyz', (c) =>
    closing ? c.json({ ok: false, ready: false }, 503) : c.json({ ok: true, ready: true }),
  );
  app.get('/metrics', (c) => c.text(metrics.render(), 200, { 'content-type': 'text/plain; version=0.0.4' }));
  app.notFound((c) => c.json({ ok: false, error: 'not found' }, 404));
  app.onError((error, c) => {
    if (error instanceof BodyTooLargeError)
      return c.json({ ok: false, error: `body larger than ${bodyLimit} bytes` }, 413);
    logger.error(
      { path: new URL(c.req.url).pathname, error: error.message.split('\n')[0] },
      'request failed',
    );
    return c.json({ ok: false, error: 'internal error' }, 500);
  });

  let server: ReturnType<typeof serve> | undefined;
  return {
    app,
    metrics,
    listen() {
      return new Promise((resolve, reject) => {
        const s = serve(
          { fetch: app.fetch, hostname: options.host ?? '127.0.0.1', port: options.port ?? 8787 },
          (info) => resolve({ host: options.host ?? '127.0.0.1', port: info.port }),
        );
        s.once('error', reject);
        server = s;
      });
    },
    async close() {
      closing = true;
      await new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      });
      await Promise.all([...background]);
      await conversations.drain();
      await ledger.flush();
      await limiter.flush();
      logger.flush();
    },
  };
}
