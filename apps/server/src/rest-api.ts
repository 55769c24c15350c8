import path from 'node:path';
import type { TokenInfo, TokenScope, TokenStore } from '@sdetkit/channels';
import {
  DASHBOARD_FORMATS,
  type DashboardFormat,
  loadDashboardSummary,
  parseTimeWindow,
  renderCsv,
  renderDashboard,
} from '@sdetkit/dashboard-renderers';
import { AGENT_DIR, isSdetkitError } from '@sdetkit/policy';
import { runTemplate } from '@sdetkit/templates';
import { type Context, Hono } from 'hono';
import { z } from 'zod';
import type { TenantWorkspace } from './tenant-workspace.js';

export interface RestApiDeps {
  tokens: TokenStore;
  /** The workspace a token may use, or null (403) when it may use none. */
  workspaceFor(token: TokenInfo): Promise<TenantWorkspace | null>;
  readBody(c: Context): Promise<Buffer>;
}

const CONTENT_TYPES: Record<DashboardFormat, string> = {
  json: 'application/json; charset=utf-8',
  md: 'text/markdown; charset=utf-8',
  html: 'text/html; charset=utf-8',
  csv: 'text/csv; charset=utf-8',
};

type Env = { Variables: { token: TokenInfo; workspace: TenantWorkspace } };

/** The most runs one page of `GET /runs` lists. */
const MAX_PAGE = 500;

/** A query parameter as a whole number in [min, max]: `fallback` when absent, null when not one. */
function wholeNumber(value: string | undefined, fallback: number, min: number, max: number): number | null {
  if (value === undefined || value === '') return fallback;
  if (!/^\d+$/.test(value)) return null;
  const number = Number(value);
  return number >= min && number <= max ? number : null;
}

/**
 * `/api/v1`: operators query runs and dashboards and start runs with service
 * tokens. `Authorization: Bearer <token>`; a missing, unknown, expired or
 * revoked token gets the same 401; a token without the route's scope, or
 * one whose tenant this server does not serve, gets 403. A token only ever
 * sees its own tenant's workspace.
 */
export function createRestApi(deps: RestApiDeps): Hono<Env> {
  const api = new Hono<Env>();
  const unauthorized = (c: Context) =>
    c.json({ ok: false, error: 'unauthorized' }, 401, { 'www-authenticate': 'Bearer' });
  api.use('*', async (c, next) => {
    const token = await deps.tokens.authenticate(bearerToken(c.req.header('authorization')));
    if (!token) return unauthorized(c);
    const workspace = await deps.workspaceFor(token);
    if (!workspace) return c.json({ ok: false, error: 'forbidden' }, 403);
    c.set('token', token);
    c.set('workspace', workspace);
    await next();
  });
  const need = (scope: TokenScope) => async (c: Context<Env>, next: () => Promise<void>) => {
    if (!c.get('token').scopes.includes(scope)) return c.json({ ok: false, error: 'forbidden' }, 403);
    await next();
  };
  const badRequest = (c: Context, error: unknown) =>
    c.json(
      { ok: false, error: isSdetkitError(error) ? error.message : (error as Error).message },
      isSdetkitError(error) && error.code === 'not_found' ? 404 : 400,
    );
  const summary = async (c: Context<Env>) => {
    const window = parseTimeWindow(c.req.query('since') || undefined, c.req.query('until') || undefined, {
      prefix: '',
    });
    const history = {
      absolute: path.join(c.get('workspace').agentDir, 'history'),
      relative: `${AGENT_DIR}/history`,
    };
    return loadDashboardSummary(history, { window, allowMissingHistory: true });
  };

  api.get('/runs', need('runs:read'), async (c) => {
    try {
      const status = c.req.query('status');
      if (status !== undefined && status !== 'ok' && status !== 'error')
        return c.json({ ok: false, error: 'status: ok or error' }, 400);
      const limit = wholeNumber(c.req.query('limit'), 50, 1, MAX_PAGE);
      if (limit === null)
        return c.json({ ok: false, error: `limit: a whole number from 1 to ${MAX_PAGE}` }, 400);
      const offset = wholeNumber(c.req.query('offset'), 0, 0, Number.MAX_SAFE_INTEGER);
      if (offset === null) return c.json({ ok: false, error: 'offset: a whole number, 0 or more' }, 400);
      const all = (await summary(c)).records.filter((r) => status === undefined || r.status === status);
      const page = all.slice(offset, offset + limit);
      return c.json({
        ok: true,
        runs: page,
        total: all.length,
        next_offset: offset + page.length < all.length ? offset + page.length : null,
      });
    } catch (error) {
      return badRequest(c, error);
    }
  });

  api.get('/runs/:hash', need('runs:read'), async (c) => {
    const hash = c.req.param('hash') ?? '';
    if (!/^[0-9a-f]{64}$/.test(hash)) return c.json({ ok: false, error: 'not found' }, 404);
    try {
      return c.json({ ok: true, run: await c.get('workspace').history.get(hash) });
    } catch {
      return c.json({ ok: false, error: 'not found' }, 404);
    }
  });

  api.post('/runs', need('runs:write'), async (c) => {
    const body = z
      .object({ task: z.string().min(1).max(16_384) })
      .safeParse(parseJson(await deps.readBody(c)));
    if (!body.success) return c.json({ ok: false, error: 'body must be {"task": "<text>"}' }, 400);
    const record = await c.get('workspace').runAndRecord(body.data.task);
    return c.json({ ok: true, run: record }, 201);
  });

  api.get('/templates', need('runs:read'), async (c) => {
    const { catalog } = c.get('workspace');
    if (!catalog) return c.json({ ok: true, templates: [] });
    const templates = (await catalog()).list().map((t) => ({ ...t.definition.metadata, source: t.source }));
    return c.json({ ok: true, templates });
  });

  api.post('/templates/:id/run', need('templates:run'), async (c) => {
    const workspace = c.get('workspace');
    if (!workspace.catalog) return c.json({ ok: false, error: 'not found' }, 404);
    // An empty body runs the template with no inputs; a body that is not JSON is refused.
    const raw = await deps.readBody(c);
    const body = z
      .object({ inputs: z.record(z.string(), z.union([z.string(), z.number(), z.boolean()])).default({}) })
      .safeParse(raw.length === 0 ? {} : parseJson(raw));
    if (!body.success) return c.json({ ok: false, error: 'body must be {"inputs": {...}}' }, 400);
    try {
      const template = (await workspace.catalog()).get(c.req.param('id') ?? '');
      const record = await runTemplate({
        template,
        inputs: body.data.inputs,
        inputNaming: 'body',
        workspaceRoot: workspace.root,
        config: workspace.config,
        registry: workspace.registry,
        approvalGate: workspace.gate,
      });
      await workspace.ledger.append({
        kind: 'template-run',
        hash: record.hash,
        captured_at: record.captured_at,
      });
      return c.json({ ok: true, run: record }, record.status === 'ok' ? 201 : 200);
    } catch (error) {
      return badRequest(c, error);
    }
  });

  api.get('/dashboard', need('dashboard:read'), async (c) => {
    const format = (c.req.query('format') ?? 'json') as DashboardFormat;
    if (!DASHBOARD_FORMATS.includes(format))
      return c.json({ ok: false, error: `format: one of ${DASHBOARD_FORMATS.join(', ')}` }, 400);
    try {
      return c.body(renderDashboard(await summary(c), format), 200, {
        'content-type': CONTENT_TYPES[format],
      });
    } catch (error) {
      return badRequest(c, error);
    }
  });

  api.get('/history.csv', need('dashboard:read'), async (c) => {
    try {
      return c.body(renderCsv(await summary(c)), 200, { 'content-type': CONTENT_TYPES.csv });
    } catch (error) {
      return badRequest(c, error);
    }
  });

  return api;
}

/** The token of an `Authorization: Bearer <token>` header, if that is what it holds. */
export function bearerToken(header: string | undefined): string | undefined {
  return /^Bearer\s+(\S+)$/i.exec(header ?? '')?.[1];
}

function parseJson(raw: Buffer): unknown {
  if (raw.length === 0) return undefined;
  try {
    return JSON.parse(raw.toString('utf8'));
  } catch {
    return null;
  }
}
