import { type ApprovalDecision, type ApprovalGate, NOT_REQUIRED } from './approval-gate.js';
import type { AgentConfig } from './config-schema.js';
import { PolicyDeniedError } from './errors.js';
import { resolveWorkspacePath } from './path-guard.js';
import { DEFAULT_WORKDIR } from './paths.js';
import { isShellAllowed } from './shell-allowlist.js';
import { isWithinPrefix, isWriteAllowed } from './write-allowlist.js';

/** What an action declares it will touch, before it runs. */
export type PolicyRequest =
  | { kind: 'read'; path: string }
  | { kind: 'write'; path: string }
  | { kind: 'exec'; argv: readonly string[] }
  /** An MCP tool call (`tool`), or listing a server's tools (`tool: null`). */
  | { kind: 'tool'; server: string; tool: string | null };

export type PolicyVerdictKind = 'allowed' | 'needs_approval' | 'denied';

export interface PolicyVerdict {
  verdict: PolicyVerdictKind;
  /** Why it was denied, or why it needs approval; `allowed` otherwise. */
  reason: string;
}

export interface PolicyContext {
  workspaceRoot: string;
  config: AgentConfig;
  /**
   * Extra folders writable without approval, e.g. a template's own
   * `run.output_dir`. Workspace-relative.
   */
  extraWriteRoots?: readonly string[];
}

export const WRITE_DENIED_REASON = 'write denied by allowlist';
export const SHELL_DENIED_REASON = 'command denied by shell allowlist';
export const TOOL_DENIED_REASON = 'tool denied by allowlist';

/**
 * The single policy path every action goes through, whatever started it
 * (`agent run`, a template step or a chat message). Pure apart from reading
 * the file system to resolve symlinks; never prompts.
 */
export async function evaluatePolicy(
  requests: readonly PolicyRequest[],
  ctx: PolicyContext,
): Promise<PolicyVerdict> {
  const approvalReasons: string[] = [];
  const extraRoots = ctx.extraWriteRoots ?? [];
  for (const request of requests) {
    if (request.kind === 'tool') {
      const server = ctx.config.tools.mcp.servers[request.server];
      if (!server)
        return {
          verdict: 'denied',
          reason: `mcp server ${request.server} is not configured (tools.mcp.servers)`,
        };
      if (request.tool !== null && !server.allow.includes(request.tool)) {
        return { verdict: 'denied', reason: `${TOOL_DENIED_REASON}: ${request.server}/${request.tool}` };
      }
      continue;
    }
    if (request.kind === 'exec') {
      if (!isShellAllowed(request.argv, ctx.config.safety.shell_allowlist)) {
        return { verdict: 'denied', reason: `${SHELL_DENIED_REASON}: ${request.argv.join(' ')}` };
      }
      approvalReasons.push('shell.run always needs approval');
      continue;
    }
    let relative: string;
    try {
      relative = (await resolveWorkspacePath(ctx.workspaceRoot, request.path)).relative;
    } catch (error) {
      if (error instanceof PolicyDeniedError) return { verdict: 'denied', reason: error.message };
      throw error;
    }
    if (request.kind === 'read') continue;
    const inExtraRoot = extraRoots.some((root) => isWriteAllowed(relative, [root]));
    if (!inExtraRoot && !isWriteAllowed(relative, ctx.config.safety.write_allowlist)) {
      return { verdict: 'denied', reason: `${WRITE_DENIED_REASON}: ${relative}` };
    }
    if (!inExtraRoot && !isWithinPrefix(relative, DEFAULT_WORKDIR)) {
      approvalReasons.push(`write outside ${DEFAULT_WORKDIR}: ${relative}`);
    }
  }
  if (approvalReasons.length > 0) return { verdict: 'needs_approval', reason: approvalReasons.join('; ') };
  return { verdict: 'allowed', reason: 'allowed' };
}

export interface AuthorizationResult extends PolicyVerdict {
  allowed: boolean;
  approval: ApprovalDecision;
}

/** Evaluates policy, then asks the approval gate when the verdict needs it. */
export async function authorizeAction(
  action: string,
  summary: string,
  requests: readonly PolicyRequest[],
  ctx: PolicyContext,
  gate: ApprovalGate,
): Promise<AuthorizationResult> {
  const verdict = await evaluatePolicy(requests, ctx);
  if (verdict.verdict === 'denied') return { ...verdict, allowed: false, approval: NOT_REQUIRED };
  if (verdict.verdict === 'allowed') return { ...verdict, allowed: true, approval: NOT_REQUIRED };
  const approval = await gate.decide({ action, summary, reasons: verdict.reason.split('; ') });
  return {
    verdict: verdict.verdict,
    reason: approval.approved ? verdict.reason : approval.reason,
    allowed: approval.approved,
    approval,
  };
}
