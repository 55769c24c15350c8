import { defineAction, redactSecretsInJson, secretEnvValues } from '@sdetkit/core-runs';
import type { AgentConfig } from '@sdetkit/policy';
import { z } from 'zod';
import { McpBridgeError, openMcpSession } from './mcp-session.js';

/** Tool results are capped in the record: text is cut, the rest summarized. */
export function capResult(value: unknown, limitBytes: number): { value: unknown; truncated: boolean } {
  const text = JSON.stringify(value ?? null);
  if (Buffer.byteLength(text) <= limitBytes) return { value, truncated: false };
  return { value: { truncated_json: text.slice(0, limitBytes) }, truncated: true };
}

function failure(error: unknown) {
  const kind = error instanceof McpBridgeError ? error.kind : 'protocol';
  return { ok: false, payload: { error: (error as Error).message, kind } };
}

type McpSession = Awaited<ReturnType<typeof openMcpSession>>;
type McpServerConfig = AgentConfig['tools']['mcp']['servers'][string];

/** Opens the named server for one use and always closes it; a bridge failure becomes a failed action. */
async function withSession<T>(
  name: string,
  ctx: { config: AgentConfig; workspaceRoot: string },
  use: (session: McpSession, server: McpServerConfig) => Promise<T>,
): Promise<T | ReturnType<typeof failure>> {
  const mcp = ctx.config.tools.mcp;
  const server = mcp.servers[name]!;
  let session: McpSession | undefined;
  try {
    session = await openMcpSession(name, server, {
      cwd: ctx.workspaceRoot,
      timeoutMs: server.timeout_ms ?? mcp.timeout_ms,
    });
    return await use(session, server);
  } catch (error) {
    return failure(error);
  } finally {
    await session?.close();
  }
}

/** `mcp.call`: one tool call on a configured server, allowed only if the tool is on that server's allowlist. */
export const mcpCallAction = defineAction({
  id: 'mcp.call',
  description:
    'Call a tool on a configured MCP server (tools.mcp.servers) over stdio. Only tools on the server allowlist run; each call has a timeout and the server gets a minimal environment.',
  input: z.strictObject({
    server: z.string().min(1),
    tool: z.string().min(1),
    arguments: z.record(z.string(), z.unknown()).default({}),
  }),
  examples: [{ server: 'files', tool: 'read_file', arguments: { path: 'README.md' } }],
  policy: (p) => [{ kind: 'tool', server: p.server, tool: p.tool }],
  summarize: (p) => `call ${p.server}/${p.tool}`,
  handler: (p, ctx) =>
    withSession(p.server, ctx, async (session, server) => {
      const result = await session.callTool(p.tool, p.arguments);
      const capped = capResult(
        { content: result.content, structured: result.structuredContent ?? null },
        ctx.config.tools.mcp.result_limit_bytes,
      );
      return {
        ok: !result.isError,
        payload: {
          server: p.server,
          tool: p.tool,
          is_error: result.isError,
          // Allowlisted variables with secret-looking names reach the server but not the record.
          result: redactSecretsInJson(capped.value, secretEnvValues(process.env, server.env_allowlist)),
          truncated: capped.truncated,
        },
      };
    }),
});

/** `mcp.list`: the tools a configured server offers, and which of them are allowed. */
export const mcpListAction = defineAction({
  id: 'mcp.list',
  description: 'List the tools of a configured MCP server and which are on its allowlist.',
  input: z.strictObject({ server: z.string().min(1) }),
  examples: [{ server: 'files' }],
  policy: (p) => [{ kind: 'tool', server: p.server, tool: null }],
  summarize: (p) => `list tools of ${p.server}`,
  handler: (p, ctx) =>
    withSession(p.server, ctx, async (session, server) => {
      const tools = (await session.listTools()).sort((a, b) => (a.name < b.name ? -1 : 1));
      return {
        ok: true,
        payload: {
          server: p.server,
          tools: redactSecretsInJson(
            tools.map((t) => ({ ...t, allowed: server.allow.includes(t.name) })),
            secretEnvValues(process.env, server.env_allowlist),
          ),
        },
      };
    }),
});
