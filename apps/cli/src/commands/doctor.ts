import { access, constants, stat } from 'node:fs/promises';
import { TOKENS_FILE } from '@sdetkit/channels';
import { describeHolder, FileHistoryStore, findWorkspaceHolder, isPrivateHost } from '@sdetkit/core-runs';
import {
  AGENT_DIR,
  type AgentConfig,
  DEFAULT_HISTORY_DIR,
  DEFAULT_WORKDIR,
  loadAgentConfig,
  normalizeWorkspacePath,
  parseShellAllowlist,
  resolveWorkspacePath,
} from '@sdetkit/policy';
import type { CommandResult } from '../command-result.js';
import { resolveFlagPath } from '../workspace-paths.js';
import { workspaceTokens } from './tokens.js';

export interface DoctorCheck {
  name: string;
  ok: boolean;
  detail: string;
}

/**
 * Validates config, provider, budgets, allowlists, history and service
 * tokens, and says whether a server serves this workspace; exit 1 when any
 * check fails.
 */
export async function doctorCommand(opts: { config: string }): Promise<CommandResult> {
  const root = process.cwd();
  const checks: DoctorCheck[] = [];
  const configPath = await resolveFlagPath('--config', opts.config);
  let config: AgentConfig | undefined;
  try {
    config = await loadAgentConfig(configPath.absolute, configPath.relative);
    checks.push({ name: 'config', ok: true, detail: `${configPath.relative} is valid` });
  } catch (error) {
    checks.push({ name: 'config', ok: false, detail: (error as Error).message });
  }
  if (config) {
    checks.push(providerCheck(config));
    checks.push(budgetsCheck(config));
    checks.push(writeAllowlistCheck(config));
    checks.push(shellAllowlistCheck(config));
    checks.push(await toolBridgeCheck(config));
  }
  checks.push(await workdirCheck(root));
  checks.push(await historyCheck(root));
  checks.push(await serviceTokensCheck());
  checks.push(await serverCheck(root));
  const ok = checks.every((check) => check.ok);
  return { output: { ok, checks }, exitCode: ok ? 0 : 1 };
}

function providerCheck(config: AgentConfig): DoctorCheck {
  const p = config.provider;
  if (p.type === 'none') return { name: 'provider', ok: true, detail: 'none: deterministic and offline' };
  const url = p.type === 'local' ? p.endpoint : p.base_url;
  if (!url) return { name: 'provider', ok: false, detail: `${p.type}: provider.base_url is required` };
  if (p.type === 'openai' && p.api_key_env && !process.env[p.api_key_env]) {
    return {
      name: 'provider',
      ok: false,
      detail: `openai: environment variable ${p.api_key_env} (provider.api_key_env) is not set`,
    };
  }
  const where = isPrivateHost(url)
    ? 'on loopback or a private network'
    : 'warning: not on loopback or a private network, so prompts leave this network';
  return {
    name: 'provider',
    ok: true,
    detail: `${p.type}: ${url}, model ${p.model} (${where}); responses cached in .sdetkit/agent/cache`,
  };
}

function budgetsCheck(config: AgentConfig): DoctorCheck {
  const { max_steps, max_actions, token_budget } = config.budgets;
  // The plan and the review take one step each.
  if (max_actions > max_steps - 2) {
    return {
      name: 'budgets',
      ok: false,
      detail: `max_actions=${max_actions} can never be reached with max_steps=${max_steps} (plan and review use 2 steps)`,
    };
  }
  return {
    name: 'budgets',
    ok: true,
    detail: `max_steps=${max_steps} max_actions=${max_actions} token_budget=${token_budget}`,
  };
}

function writeAllowlistCheck(config: AgentConfig): DoctorCheck {
  const problems: string[] = [];
  for (const entry of config.safety.write_allowlist) {
    try {
      if (normalizeWorkspacePath(entry) === '.') problems.push(`${entry} allows writing the whole workspace`);
    } catch (error) {
      problems.push((error as Error).message);
    }
  }
  if (problems.length > 0) return { name: 'write_allowlist', ok: false, detail: problems.join('; ') };
  return {
    name: 'write_allowlist',
    ok: true,
    detail: config.safety.write_allowlist.join(', ') || '(empty: all writes denied)',
  };
}

function shellAllowlistCheck(config: AgentConfig): DoctorCheck {
  try {
    const prefixes = parseShellAllowlist(config.safety.shell_allowlist);
    const detail =
      prefixes.length === 0 ? '(empty: all commands denied)' : prefixes.map((p) => p.join(' ')).join(', ');
    return { name: 'shell_allowlist', ok: true, detail };
  } catch (error) {
    return { name: 'shell_allowlist', ok: false, detail: (error as Error).message };
  }
}

/** Configured MCP servers: is each command runnable and which tools are allowed? Servers are not started. */
async function toolBridgeCheck(config: AgentConfig): Promise<DoctorCheck> {
  const servers = Object.entries(config.tools.mcp.servers);
  if (servers.length === 0)
    return { name: 'tool_bridge', ok: true, detail: 'no MCP servers configured (bridge disabled)' };
  const problems: string[] = [];
  const details: string[] = [];
  for (const [name, server] of servers) {
    const found = server.command.includes('/')
      ? await access(server.command, constants.X_OK).then(
          () => true,
          () => false,
        )
      : await Promise.any(
          (process.env.PATH ?? '')
            .split(':')
            .filter(Boolean)
            .map((dir) => access(`${dir}/${server.command}`, constants.X_OK)),
        ).then(
          () => true,
          () => false,
        );
    if (!found) problems.push(`${name}: command ${server.command} not found`);
    details.push(
      `${name}: ${server.allow.length} tool(s) allowed${server.allow.length === 0 ? ' (nothing can be called)' : ''}`,
    );
  }
  return problems.length > 0
    ? { name: 'tool_bridge', ok: false, detail: problems.join('; ') }
    : { name: 'tool_bridge', ok: true, detail: details.join('; ') };
}

async function workdirCheck(root: string): Promise<DoctorCheck> {
  try {
    const { absolute } = await resolveWorkspacePath(root, DEFAULT_WORKDIR);
    await access(absolute, constants.W_OK);
    if (!(await stat(absolute)).isDirectory()) throw new Error('not a folder');
    return { name: 'workdir', ok: true, detail: `${DEFAULT_WORKDIR} is writable` };
  } catch (error) {
    const reason =
      (error as NodeJS.ErrnoException).code === 'ENOENT'
        ? 'missing (run `sdetkit agent init`)'
        : (error as Error).message;
    return { name: 'workdir', ok: false, detail: `${DEFAULT_WORKDIR}: ${reason}` };
  }
}

async function historyCheck(root: string): Promise<DoctorCheck> {
  try {
    const { absolute } = await resolveWorkspacePath(root, DEFAULT_HISTORY_DIR);
    const listing = await new FileHistoryStore(absolute, DEFAULT_HISTORY_DIR).list();
    if (listing.problems.length > 0) {
      const first = listing.problems[0]!;
      return {
        name: 'history',
        ok: false,
        detail: `${listing.records.length} record(s); ${listing.problems.length} unusable file(s), first: ${first.file}: ${first.reason}`,
      };
    }
    return {
      name: 'history',
      ok: true,
      detail: `${listing.records.length} record(s) in ${DEFAULT_HISTORY_DIR}`,
    };
  } catch (error) {
    return { name: 'history', ok: false, detail: (error as Error).message };
  }
}

/** The server's token file: a damaged one makes every REST request fail, so doctor reads it as the server does. */
async function serviceTokensCheck(): Promise<DoctorCheck> {
  const file = `${AGENT_DIR}/${TOKENS_FILE}`;
  try {
    const tokens = await (await workspaceTokens()).list();
    const active = tokens.filter((token) => token.status === 'active').length;
    return {
      name: 'service_tokens',
      ok: true,
      detail: tokens.length === 0 ? `none in ${file}` : `${active} active of ${tokens.length} in ${file}`,
    };
  } catch (error) {
    return { name: 'service_tokens', ok: false, detail: (error as Error).message };
  }
}

/** Informational: which `agent serve` on this machine serves this workspace, if any. */
async function serverCheck(root: string): Promise<DoctorCheck> {
  const found = await findWorkspaceHolder(root);
  if (!found)
    return { name: 'server', ok: true, detail: 'no sdetkit server on this machine serves this workspace' };
  return {
    name: 'server',
    ok: true,
    detail: `served by a running sdetkit server (${describeHolder(found.holder)})`,
  };
}
