import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { serve } from '@hono/node-server';
import {
  type AdapterRequest,
  type AdapterResult,
  genericAdapter,
  type InboundEvent,
  isTenantId,
  type OutgoingReply,
  type ReplySender,
  replyFor,
  routeEvent,
  slackAdapter,
  type TokenInfo,
  type TokenStore,
  telegramAdapter,
  workspaceTokenStore,
} from '@sdetkit/channels';
import {
  claimWorkspace,
  formatCapturedAt,
  type RetentionResult,
  ThreadedFileWriter,
  type WorkspaceClaim,
} from '@sdetkit/core-runs';
import { AGENT_DIR, type AgentConfig, createApprovalGate } from '@sdetkit/policy';
import { type Context, Hono } from 'hono';
import type { Logger } from 'pino';
import { BodyTooLargeError, headerRecord, readContextBody } from './read-body.js';
import { bearerToken, createRestApi } from './rest-api.js';
import { type RetentionSchedule, sweepWorkspace } from './scheduled-retention.js';
import { createServerLogger } from './server-logger.js';
import { ServerMetrics } from './server-metrics.js';
import { openTenantWorkspace, type RuntimeFactory, type TenantWorkspace } from './tenant-workspace.js';

export interface ServerOptions {
  /**
   * Absolute root of the server's own workspace: `.sdetkit/agent/tokens.json`
   * lives here and, in single-tenant mode, history, conversations and rate limits.
   */
  workspaceRoot: string;
  /**
   * Multi-tenant mode: each tenant's workspace is `<tenantsRoot>/<tenant>/`
   * (it must exist), webhooks are `/t/<tenant>/webhook/*` and every service
   * token must name its tenant. A tenant's own `.sdetkit/agent/config.yaml`,
   * when present, replaces `config`.
   */
  tenantsRoot?: string;
  config: AgentConfig;
  /** The action set, planners and template catalog runs use (the CLI's shared runtime). */
  runtime: RuntimeFactory;
  /** Service tokens for `/api/v1` (default: `<workspaceRoot>/.sdetkit/agent/tokens.json`). */
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
  /**
   * Slow clients: headers must arrive within `headersMs` (default 10 s) and
   * the whole request within `requestMs` (default 30 s), else 408 and the
   * connection closes; idle keep-alive connections close after `keepAliveMs`
   * (default 5 s). A run's own time does not count.
   */
  timeouts?: { headersMs?: number; requestMs?: number; keepAliveMs?: number };
  /** Largest request body (default 1 MiB); larger gets 413. */
  bodyLimitBytes?: number;
  /**
   * Without a generic webhook secret, require `Authorization: Bearer <token>`
   * (scope `runs:write`, of the route's tenant) on the generic webhook.
   */
  requireAuth?: boolean;
  /**
   * Outgoing replies (opt-in) to Telegram and Slack events, posted after the
   * run in the chat and thread the message came from; each is logged in the
   * tenant's `.sdetkit/agent/replies/<channel>.jsonl`.
   */
  replies?: Partial<Record<OutgoingReply['channel'], ReplySender>>;
  /** Scheduled retention (`--retention-max-age`) over every tenant's workspace. */
  retention?: RetentionSchedule;
  /** The single tenant's id in single-tenant mode (default `default`). */
  tenant?: string;
  clock?: () => Date;
  /** Structured JSON logs; default: `createServerLogger()` (info level, stderr). */
  logger?: Logger;
}

export interface SdetkitServer {
  app: Hono<Env>;
  metrics: ServerMetrics;
  /**
   * Claims the workspace (the tenants root in multi-tenant mode), then starts
   * listening; resolves with the bound address. Rejects with
   * `WorkspaceInUseError` while another server on this machine serves it.
   */
  listen(): Promise<{ host: string; port: number }>;
  /** Stops accepting, drains in-flight requests and background work, flushes stores. */
  close(): Promise<void>;
  /**
   * Runs one retention sweep now over every tenant (what the schedule runs);
   * resolves with what each tenant lost. Without `retention` it throws.
   */
  sweepRetention(): Promise<Record<string, RetentionResult>>;
}

type Env = { Variables: { tenant: string } };

const JSON_TYPE = /^application\/json\b/i;

/**
 * The Hono app behind `sdetkit agent serve`: webhook routes that verify,
 * normalize, rate-limit and route events into AgentOS, the `/api/v1` REST
 * API, plus health, readiness and Prometheus metrics. Every failure is a JSON
 * answer; one request's crash never stops the server. In multi-tenant mode
 * every tenant's events, runs, conversations and rate limits stay in its own
 * workspace.
 */
export function createServer(options: ServerOptions): SdetkitServer {
  const root = options.workspaceRoot;
  const tenantsRoot = options.tenantsRoot;
  const singleTenant = options.tenant ?? 'default';
  const bodyLimit = options.bodyLimitBytes ?? 1024 * 1024;
  const clock = options.clock ?? (() => new Date());
  const rateLimit = options.rateLimit ?? { maxTokens: 5, refillPerSecond: 1 };
  // Every request writes a record: creating and fsyncing its file, its ledger entry and its
  // publication happen on one worker thread shared by all tenants, off the request path.
  const writer = new ThreadedFileWriter();
  // The opened workspaces' rate limiters, for /metrics.
  const limiters = new Map<string, { size: number }>();
  const metrics = new ServerMetrics({
    writerStats: () => writer.stats(),
    rateLimitBuckets: () => [...limiters.values()].reduce((n, limiter) => n + limiter.size, 0),
  });
  const logger = options.logger ?? createServerLogger();
  // Chat-triggered runs never prompt: dangerous actions are denied unless policy allows them outright.
  const gate = createApprovalGate();
  const workspaces = new Map<string, Promise<TenantWorkspace>>();
  const open = (tenant: string, workspaceRoot: string) => {
    let opened = workspaces.get(tenant);
    if (!opened) {
      opened = openTenantWorkspace({
        tenant,
        root: workspaceRoot,
        ...(tenantsRoot ? {} : { config: options.config }),
        fallbackConfig: options.config,
        runtime: options.runtime,
        gate,
        rateLimit,
        clock,
        writer,
        onRun: (record) => metrics.run(record.status),
      });
      // A tenant whose workspace failed to open (say, a broken config.yaml) is retried next request.
      opened.then(
        (workspace) => limiters.set(tenant, workspace.limiter),
        () => workspaces.delete(tenant),
      );
      workspaces.set(tenant, opened);
    }
    return opened;
  };
  /** The tenant's workspace, or null when this server does not serve that tenant. */
  const workspaceOf = async (tenant: string): Promise<TenantWorkspace | null> => {
    if (!tenantsRoot) return tenant === singleTenant ? open(tenant, root) : null;
    if (!isTenantId(tenant)) return null;
    if (!workspaces.has(tenant)) {
      const dir = path.join(tenantsRoot, tenant);
      const isDirectory = await stat(dir).then(
        (s) => s.isDirectory(),
        () => false,
      );
      if (!isDirectory) return null;
      return open(tenant, dir);
    }
    return workspaces.get(tenant) ?? null;
  };
  const tokens = options.tokens ?? workspaceTokenStore(path.join(root, AGENT_DIR));
  /** Multi-tenant: a token must name the tenant (one without could otherwise reach everyone's runs). */
  const tokenServes = (token: TokenInfo, tenant: string) =>
    tenantsRoot ? token.tenant === tenant : (token.tenant ?? singleTenant) === singleTenant;
  const background = new Set<Promise<unknown>>();
  const track = (work: Promise<unknown>) => {
    const tracked = work.catch((error: Error) => {
      logger.error({ error: error.message.split('\n')[0] }, 'background work failed');
    });
    background.add(tracked);
    void tracked.finally(() => background.delete(tracked));
  };
  const sendReply = async (
    workspace: TenantWorkspace,
    sender: ReplySender,
    reply: OutgoingReply,
    hash: string | null,
  ) => {
    const outcome = await sender.send(reply);
    metrics.reply(reply.channel, outcome.status);
    await workspace.replies.append({ ...reply, ...outcome, hash, at: formatCapturedAt(clock()) });
    const fields = {
      tenant: workspace.tenant,
      channel: reply.channel,
      status: outcome.status,
      attempts: outcome.attempts,
    };
    if (outcome.status === 'failed') logger.warn({ ...fields, error: outcome.error }, 'reply failed');
    else logger.info(fields, 'reply');
  };
  let closing = false;

  const app = new Hono<Env>();
  app.use('*', async (c, next) => {
    const started = performance.now();
    await next();
    const ms = performance.now() - started;
    const route = c.req.routePath === '/*' ? 'unmatched' : c.req.routePath;
    metrics.request(route, c.res.status, ms);
    logger.info(
      {
        method: c.req.method,
        path: c.req.path,
        route,
        status: c.res.status,
        ms: Math.round(ms * 10) / 10,
        tenant: c.get('tenant') ?? null,
      },
      'request',
    );
  });

  const handle = async (
    c: Context<Env>,
    tenant: string,
    adapter: (request: AdapterRequest) => AdapterResult,
    asynchronous: boolean,
    byToken: boolean,
  ) => {
    if (closing) return c.json({ ok: false, error: 'server is shutting down' }, 503);
    if (byToken) {
      // Checked before the tenant is looked up: callers without a token learn nothing.
      const token = await tokens.authenticate(bearerToken(c.req.header('authorization')));
      if (!token) {
        metrics.verificationFailures++;
        return c.json({ ok: false, error: 'unauthorized' }, 401, { 'www-authenticate': 'Bearer' });
      }
      if (!token.scopes.includes('runs:write') || !tokenServes(token, tenant))
        return c.json({ ok: false, error: 'forbidden' }, 403);
    }
    const workspace = await workspaceOf(tenant);
    if (!workspace) return c.json({ ok: false, error: 'not found' }, 404);
    c.set('tenant', tenant);
    if (!JSON_TYPE.test(c.req.header('content-type') ?? '')) {
      return c.json({ ok: false, error: 'content-type must be application/json' }, 415);
    }
    let raw: Buffer;
    try {
      raw = await readContextBody(c, bodyLimit);
    } catch (error) {
      if (error instanceof BodyTooLargeError)
        return c.json({ ok: false, error: `body larger than ${bodyLimit} bytes` }, 413);
      throw error;
    }
    const headers = headerRecord(c);
    const result = adapter({ raw, headers, now: Math.floor(clock().getTime() / 1000) });
    if (result.kind === 'reject') {
      if (result.status === 401) metrics.verificationFailures++;
      return c.json({ ok: false, error: result.error }, result.status);
    }
    if (result.kind === 'reply') return c.json(result.body as object, result.status as 200);
    if (result.kind === 'ignore')
      return c.json({ ok: true, result: { status: 'ignored', reason: result.reason } });
    const event: InboundEvent = { ...result.event, tenant, received_at: formatCapturedAt(clock()) };
    // The same delivery id in two tenants is two events.
    const work = workspace.deliveries.once(result.idempotencyKey, () =>
      routeEvent(event, {
        limiter: workspace.limiter,
        conversations: workspace.conversations,
        run: (e) => workspace.runAndRecord(e.text),
      }).then((routed) => {
        if (routed.status === 'rate_limited') metrics.rateLimited++;
        // Inside the idempotent work: a retried delivery never posts a second reply.
        const reply = replyFor(event, routed);
        const sender = reply ? options.replies?.[reply.channel] : undefined;
        if (reply && sender) track(sendReply(workspace, sender, reply, routed.hash));
        return routed;
      }),
    );
    if (asynchronous) {
      // Slack wants an answer within 3 seconds: acknowledge now, run in the background.
      track(
        work.then(({ duplicate }) => {
          if (duplicate) metrics.duplicates++;
        }),
      );
      return c.json({ ok: true, result: { status: 'accepted' } });
    }
    const { result: routed, duplicate } = await work;
    if (duplicate) metrics.duplicates++;
    return c.json({ ok: true, result: { ...routed, ...(duplicate ? { duplicate: true } : {}) } });
  };

  const webhooks = {
    generic: (r: AdapterRequest) => genericAdapter(r, { secret: options.secrets?.genericWebhook }),
    telegram: (r: AdapterRequest) =>
      telegramAdapter(r, { secretToken: options.secrets?.telegramSecretToken }),
    slack: (r: AdapterRequest) => slackAdapter(r, { signingSecret: options.secrets?.slackSigningSecret }),
  };
  // --require-auth: the generic webhook takes a runs:write token when no signing secret is set.
  const genericByToken = options.requireAuth === true && !options.secrets?.genericWebhook;
  for (const [channel, adapter] of Object.entries(webhooks)) {
    const asynchronous = channel === 'slack';
    const byToken = channel === 'generic' && genericByToken;
    if (tenantsRoot) {
      app.post(`/t/:tenant/webhook/${channel}`, (c) =>
        handle(c, c.req.param('tenant') ?? '', adapter, asynchronous, byToken),
      );
    } else {
      app.post(`/webhook/${channel}`, (c) => handle(c, singleTenant, adapter, asynchronous, byToken));
    }
  }
  app.route(
    '/api/v1',
    createRestApi({
      tokens,
      workspaceFor: async (token) => {
        const tenant = token.tenant ?? singleTenant;
        return tokenServes(token, tenant) ? workspaceOf(tenant) : null;
      },
      readBody: (c) => readContextBody(c, bodyLimit),
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

  const tenantIds = async (): Promise<string[]> => {
    if (!tenantsRoot) return [singleTenant];
    const entries = await readdir(tenantsRoot, { withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isDirectory() && isTenantId(e.name))
      .map((e) => e.name)
      .sort();
  };
  // Sweeps run one after another, never overlapping; each call gets a fresh sweep.
  let sweepQueue: Promise<unknown> = Promise.resolve();
  let sweepsPending = 0;
  const sweepRetention = () => {
    const schedule = options.retention;
    if (!schedule) return Promise.reject(new Error('sweepRetention: no retention schedule configured'));
    sweepsPending++;
    const sweep = sweepQueue.then(async () => {
      const results: Record<string, RetentionResult> = {};
      for (const tenant of await tenantIds()) {
        const workspace = await workspaceOf(tenant);
        if (!workspace) continue;
        const result = await sweepWorkspace(workspace, schedule, clock());
        results[tenant] = result;
        const removed = Object.values(result.removed).reduce((n, list) => n + list.length, 0);
        metrics.retentionRemoved += removed;
        logger.info(
          {
            tenant,
            cutoff: result.cutoff,
            removed_history: result.removed.history.length,
            removed_template_runs: result.removed.template_runs.length,
            removed_conversations: result.removed.conversations.length,
          },
          'retention',
        );
      }
      return results;
    });
    sweepQueue = sweep.catch(() => {}).finally(() => sweepsPending--);
    return sweep;
  };
  const scheduledSweep = () => {
    // A slow sweep is not piled up behind: the next tick comes after it.
    if (closing || sweepsPending > 0) return;
    track(sweepRetention());
  };
  let timer: NodeJS.Timeout | undefined;

  const headersMs = options.timeouts?.headersMs ?? 10_000;
  let server: ReturnType<typeof serve> | undefined;
  let claim: WorkspaceClaim | undefined;
  return {
    app,
    metrics,
    async listen() {
      // One server per workspace: a second one would keep its own rate limits and delivery results.
      const folder = tenantsRoot ?? root;
      claim = await claimWorkspace(folder);
      if (claim.unavailable)
        logger.warn(
          { folder, reason: claim.unavailable },
          'workspace not claimed: a second server on it would not be refused',
        );
      const listening = new Promise<{ host: string; port: number }>((resolve, reject) => {
        const s = serve(
          {
            fetch: app.fetch,
            hostname: options.host ?? '127.0.0.1',
            port: options.port ?? 8787,
            serverOptions: {
              headersTimeout: headersMs,
              requestTimeout: Math.max(options.timeouts?.requestMs ?? 30_000, headersMs),
              keepAliveTimeout: options.timeouts?.keepAliveMs ?? 5_000,
              // How often Node checks those timeouts (its default is 30 s).
              connectionsCheckingInterval: Math.min(1_000, headersMs),
            },
          },
          (info) => {
            if (options.retention) {
              scheduledSweep();
              timer = setInterval(scheduledSweep, (options.retention.intervalSeconds ?? 3600) * 1000);
              timer.unref();
            }
            resolve({ host: options.host ?? '127.0.0.1', port: info.port });
          },
        );
        s.once('error', reject);
        server = s;
      });
      try {
        const address = await listening;
        claim.serving(
          `http://${address.host.includes(':') ? `[${address.host}]` : address.host}:${address.port}`,
        );
        return address;
      } catch (error) {
        await claim.release();
        claim = undefined;
        throw error;
      }
    },
    sweepRetention,
    async close() {
      closing = true;
      clearInterval(timer);
      await new Promise<void>((resolve) => {
        if (!server) return resolve();
        server.close(() => resolve());
        (server as unknown as { closeIdleConnections?: () => void }).closeIdleConnections?.();
      });
      // Background work can start more (a Slack run posts its reply): wait until none is left.
      while (background.size > 0) await Promise.all([...background]);
      const opened = await Promise.allSettled([...workspaces.values()]);
      for (const result of opened) if (result.status === 'fulfilled') await result.value.flush();
      await writer.close();
      await new Promise<void>((resolve) => logger.flush(() => resolve()));
      // Only now may another server take the workspace over: everything is on disk.
      await claim?.release();
    },
  };
}
