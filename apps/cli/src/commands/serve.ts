import { stat } from 'node:fs/promises';
import { describeHolder, parseDuration, WorkspaceInUseError } from '@sdetkit/core-runs';
import type { ResolvedWorkspacePath } from '@sdetkit/policy';
import { AGENT_DIR, loadAgentConfig, ValidationError } from '@sdetkit/policy';
import { createServer } from '@sdetkit/server';
import { composeAgentRuntime, loadActionPackages } from '../agent-runtime.js';
import type { CommandResult } from '../command-result.js';
import { type ReplyFlags, replySendersFromFlags } from '../reply-senders.js';
import { exposureWarnings, SECRET_ENV } from '../serve-exposure.js';
import { resolveFlagPath } from '../workspace-paths.js';

export interface ServeOptions extends ReplyFlags {
  config: string;
  tenantsRoot?: string;
  requireAuth?: boolean;
  retentionMaxAge?: string;
  retentionKeepLast?: number;
  retentionInterval?: string;
  host: string;
  port: number;
  bodyLimit: number;
  headersTimeout: number;
  requestTimeout: number;
  keepAliveTimeout: number;
  rateLimitMaxTokens: number;
  rateLimitRefillPerSecond: number;
  toolBridgeEnabled?: boolean;
  toolBridgeAllow?: string[];
  toolBridgeCommand?: string[];
}

/**
 * Starts the omnichannel server and prints `{"status":"serving",...}` once it
 * listens. SIGTERM or SIGINT stops accepting, drains in-flight work and
 * flushes conversations, ledger and rate limits before exiting 0.
 */
export async function serveCommand(opts: ServeOptions): Promise<CommandResult> {
  const replies = replySendersFromFlags(opts);
  const configPath = await resolveFlagPath('--config', opts.config);
  const config = await loadAgentConfig(configPath.absolute, configPath.relative);
  if (opts.toolBridgeEnabled) {
    const [command, ...args] = opts.toolBridgeCommand ?? [];
    if (!command)
      throw new ValidationError(
        '--tool-bridge-command: required with --tool-bridge-enabled (repeat it for each argv token)',
      );
    if (!opts.toolBridgeAllow?.length)
      throw new ValidationError('--tool-bridge-allow: name at least one tool chat-triggered runs may call');
    // The flags map onto the same bridge as tools.mcp.servers: a server named "bridge".
    config.tools.mcp.servers.bridge = { command, args, env_allowlist: [], allow: opts.toolBridgeAllow };
  }
  if (opts.headersTimeout > opts.requestTimeout)
    throw new ValidationError(
      `--headers-timeout ${opts.headersTimeout}: longer than --request-timeout ${opts.requestTimeout} (the headers are part of the request)`,
    );
  if (opts.retentionKeepLast !== undefined && opts.retentionMaxAge === undefined)
    throw new ValidationError('--retention-keep-last: only with --retention-max-age');
  const retention =
    opts.retentionMaxAge === undefined
      ? undefined
      : {
          maxAgeSeconds: parseDuration(opts.retentionMaxAge, '--retention-max-age'),
          intervalSeconds: parseDuration(opts.retentionInterval ?? '1h', '--retention-interval'),
          ...(opts.retentionKeepLast !== undefined ? { keepLast: opts.retentionKeepLast } : {}),
        };
  const root = process.cwd();
  let tenantsRoot: ResolvedWorkspacePath | undefined;
  if (opts.tenantsRoot !== undefined) {
    tenantsRoot = await resolveFlagPath('--tenants-root', opts.tenantsRoot);
    const isDirectory = await stat(tenantsRoot.absolute).then(
      (s) => s.isDirectory(),
      () => false,
    );
    if (!isDirectory) throw new ValidationError(`--tenants-root: ${tenantsRoot.relative} is not a directory`);
  }
  const secrets = Object.fromEntries(
    Object.entries(SECRET_ENV).map(([key, name]) => [key, process.env[name] || undefined]),
  );
  const packages = await loadActionPackages();
  const server = createServer({
    workspaceRoot: root,
    ...(tenantsRoot ? { tenantsRoot: tenantsRoot.absolute } : {}),
    config,
    requireAuth: opts.requireAuth === true,
    replies: replies.senders,
    ...(retention ? { retention } : {}),
    runtime: (gate, workspaceRoot) => composeAgentRuntime({ workspaceRoot, approvalGate: gate }, packages),
    host: opts.host,
    port: opts.port,
    rateLimit: { maxTokens: opts.rateLimitMaxTokens, refillPerSecond: opts.rateLimitRefillPerSecond },
    bodyLimitBytes: opts.bodyLimit,
    timeouts: {
      headersMs: opts.headersTimeout * 1000,
      requestMs: opts.requestTimeout * 1000,
      keepAliveMs: opts.keepAliveTimeout * 1000,
    },
    secrets,
  });
  const address = await server.listen().catch((error: NodeJS.ErrnoException) => {
    throw listenError(error, opts, tenantsRoot?.relative);
  });
  const tenantHome = tenantsRoot ? `${tenantsRoot.relative}/{tenant}/` : '';
  let stopping = false;
  const stop = (signal: string) => {
    if (stopping) return;
    stopping = true;
    process.stderr.write(`agent serve: ${signal}, draining\n`);
    void server.close().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.once('SIGTERM', () => stop('SIGTERM'));
  process.once('SIGINT', () => stop('SIGINT'));
  const warnings = exposureWarnings(opts.host, { env: process.env, requireAuth: opts.requireAuth === true });
  return {
    output: {
      status: 'serving',
      host: address.host,
      port: address.port,
      workspace: '.',
      history: `${tenantHome}${AGENT_DIR}/history`,
      conversations: `${tenantHome}${AGENT_DIR}/conversations`,
      rate_limit: { max_tokens: opts.rateLimitMaxTokens, refill_per_second: opts.rateLimitRefillPerSecond },
      body_limit_bytes: opts.bodyLimit,
      timeouts_s: {
        headers: opts.headersTimeout,
        request: opts.requestTimeout,
        keep_alive: opts.keepAliveTimeout,
      },
      telegram_simulation_mode: opts.telegramSimulationMode === true,
      replies: replies.summary,
      verification: Object.fromEntries(
        Object.entries(SECRET_ENV).map(([key, name]) => [
          key,
          process.env[name]
            ? `on (${name})`
            : key === 'genericWebhook' && opts.requireAuth
              ? 'on (service token, --require-auth)'
              : `off (${name} not set)`,
        ]),
      ),
      tool_bridge: opts.toolBridgeEnabled ? { server: 'bridge', allow: opts.toolBridgeAllow } : null,
      tenants_root: tenantsRoot ? tenantsRoot.relative : null,
      retention: retention
        ? {
            max_age: opts.retentionMaxAge,
            keep_last: retention.keepLast ?? null,
            interval: opts.retentionInterval ?? '1h',
          }
        : null,
      routes: [
        ...['generic', 'telegram', 'slack'].map((channel) =>
          tenantsRoot ? `/t/{tenant}/webhook/${channel}` : `/webhook/${channel}`,
        ),
        '/api/v1',
        '/healthz',
        '/readyz',
        '/metrics',
      ],
    },
    exitCode: 0,
    warnings,
  };
}

/** Why the server could not listen, named by the flag to change; anything unforeseen is passed on. */
function listenError(
  error: NodeJS.ErrnoException,
  opts: ServeOptions,
  tenantsRoot: string | undefined,
): Error {
  const { host, port } = opts;
  if (error instanceof WorkspaceInUseError) {
    const holder = error.holder ? ` (${describeHolder(error.holder)})` : '';
    const served = tenantsRoot === undefined ? 'this workspace' : `--tenants-root ${tenantsRoot}`;
    return new ValidationError(
      `${served}: another sdetkit server is serving it${holder}; stop that one first (two servers on one workspace would split its rate limits and retried-delivery results)`,
    );
  }
  const why: Record<string, string> = {
    EADDRINUSE: `--port ${port}: already in use on ${host} (another server running? --port 0 picks a free port)`,
    EACCES: `--port ${port}: permission denied on ${host} (ports below 1024 need privileges)`,
    EADDRNOTAVAIL: `--host ${host}: not an address of this machine`,
    ENOTFOUND: `--host ${host}: not an address or a host name this machine resolves`,
    EAI_AGAIN: `--host ${host}: the host name could not be resolved now`,
  };
  const message = error.code === undefined ? undefined : why[error.code];
  return message === undefined ? error : new ValidationError(message);
}
