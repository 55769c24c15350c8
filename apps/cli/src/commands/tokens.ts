import path from 'node:path';
import { parseScopes, TOKENS_FILE, TokenStore, validateTenantId } from '@sdetkit/channels';
import { parseDuration } from '@sdetkit/core-runs';
import { AGENT_DIR } from '@sdetkit/policy';
import type { CommandResult } from '../command-result.js';
import { resolveFlagPath } from '../workspace-paths.js';

async function store(): Promise<TokenStore> {
  const agent = await resolveFlagPath('agent folder', AGENT_DIR);
  return new TokenStore(
    path.join(agent.absolute, TOKENS_FILE),
    undefined,
    `${agent.relative}/${TOKENS_FILE}`,
  );
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
  const { token, info } = await (await store()).create({ name: opts.name, scopes, tenant, expiresInSeconds });
  return { output: { ...info, token, note: 'store this token now: it is not shown again' }, exitCode: 0 };
}

export async function tokensListCommand(): Promise<CommandResult> {
  return { output: { tokens: await (await store()).list() }, exitCode: 0 };
}

export async function tokensRevokeCommand(idOrName: string): Promise<CommandResult> {
  return { output: { revoked: await (await store()).revoke(idOrName) }, exitCode: 0 };
}
