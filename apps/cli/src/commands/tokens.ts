import { parseScopes, type TokenStore, validateTenantId, workspaceTokenStore } from '@sdetkit/channels';
import { parseDuration } from '@sdetkit/core-runs';
import { AGENT_DIR } from '@sdetkit/policy';
import type { CommandResult } from '../command-result.js';
import { resolveFlagPath } from '../workspace-paths.js';

/** This workspace's service tokens (also what `agent doctor` checks). */
export async function workspaceTokens(): Promise<TokenStore> {
  return workspaceTokenStore((await resolveFlagPath('agent folder', AGENT_DIR)).absolute);
}

/** Creates a service token; the token is printed this once and only its sha256 is stored. */
export async function tokensCreateCommand(opts: {
  name: string;
  scopes: string;
  tenant?: string;
  expires?: string;
}): Promise<CommandResult> {
  const scopes = parseScopes(opts.scopes);
  const tenant = opts.tenant === undefined ? null : validateTenantId(opts.tenant);
  const expiresInSeconds =
    opts.expires === undefined || opts.expires === 'never' ? null : parseDuration(opts.expires, '--expires');
  const { token, info } = await (await workspaceTokens()).create({
    name: opts.name,
    scopes,
    tenant,
    expiresInSeconds,
  });
  return { output: { ...info, token, note: 'store this token now: it is not shown again' }, exitCode: 0 };
}

export async function tokensListCommand(): Promise<CommandResult> {
  return { output: { tokens: await (await workspaceTokens()).list() }, exitCode: 0 };
}

export async function tokensRevokeCommand(idOrName: string): Promise<CommandResult> {
  return { output: { revoked: await (await workspaceTokens()).revoke(idOrName) }, exitCode: 0 };
}
