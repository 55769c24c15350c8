import { pickEnv } from '@sdetkit/core-runs';
import type { AgentConfig } from '@sdetkit/policy';

type McpServerConfig = AgentConfig['tools']['mcp']['servers'][string];

export class McpBridgeError extends Error {
  constructor(
    readonly kind: 'not-found' | 'timeout' | 'crashed' | 'protocol',
    message: string,
  ) {
    super(message);
    this.name = 'McpBridgeError';
  }
}

/** PATH plus the variables the server's env_allowlist names; nothing else leaks to the child. */
export function minimalEnv(
  server: McpServerConfig,
  env: Record<string, string | undefined> = process.env,
): Record<string, string> {
  return pickEnv(env, ['PATH', ...server.env_allowlist]);
}

export interface McpSession {
  listTools(): Promise<{ name: string; description?: string }[]>;
  callTool(
    name: string,
    args: Record<string, unknown>,
  ): Promise<{ isError: boolean; content: unknown[]; structuredContent?: unknown }>;
  close(): Promise<void>;
}

/**
 * Starts a configured MCP server over stdio and connects the official SDK
 * client. Every operation has the timeout; on timeout or any failure the
 * child process is closed (killed). The SDK is loaded on first use.
 */
export async function openMcpSession(
  name: string,
  server: McpServerConfig,
  options: { cwd: string; timeoutMs: number; env?: Record<string, string | undefined> },
): Promise<McpSession> {
  const [{ Client }, { StdioClientTransport }] = await Promise.all([
    import('@modelcontextprotocol/sdk/client/index.js'),
    import('@modelcontextprotocol/sdk/client/stdio.js'),
  ]);
  const transport = new StdioClientTransport({
    command: server.command,
    args: server.args,
    env: minimalEnv(server, options.env),
    cwd: options.cwd,
    stderr: 'ignore',
  });
  const client = new Client({ name: 'sdetkit', version: '0.1.0' });
  let closed = false;
  const close = async () => {
    if (closed) return;
    closed = true;
    await client.close().catch(() => {});
    await transport.close().catch(() => {});
  };
  const bounded = async <T>(what: string, work: Promise<T>): Promise<T> => {
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(
        () =>
          reject(
            new McpBridgeError(
              'timeout',
              `${name}: ${what} timed out after ${options.timeoutMs} ms (server stopped)`,
            ),
          ),
        options.timeoutMs,
      );
    });
    try {
      return await Promise.race([work, timeout]);
    } catch (error) {
      await close();
      if (error instanceof McpBridgeError) throw error;
      const err = error as NodeJS.ErrnoException;
      if (err.code === 'ENOENT')
        throw new McpBridgeError('not-found', `${name}: command ${server.command} not found`);
      throw new McpBridgeError('crashed', `${name}: ${what} failed: ${err.message.split('\n')[0]}`);
    } finally {
      clearTimeout(timer);
    }
  };
  await bounded('start', client.connect(transport));
  return {
    async listTools() {
      const result = await bounded('tools/list', client.listTools());
      return result.tools.map((t) => ({
        name: t.name,
        ...(t.description ? { description: t.description } : {}),
      }));
    },
    async callTool(tool, args) {
      const result = (await bounded(
        `tools/call ${tool}`,
        client.callTool({ name: tool, arguments: args }, undefined, { timeout: options.timeoutMs + 5000 }),
      )) as {
        isError?: boolean;
        content?: unknown[];
        structuredContent?: unknown;
      };
      return {
        isError: result.isError === true,
        content: result.content ?? [],
        ...(result.structuredContent !== undefined ? { structuredContent: result.structuredContent } : {}),
      };
    },
    close,
  };
}
