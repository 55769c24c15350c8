import { createBuiltinRegistry } from '@sdetkit/core-runs';
import { defaultAgentConfig } from '@sdetkit/policy';
import { pino } from 'pino';
import { createServer, type SdetkitServer, type ServerOptions } from '../src/create-server.js';

/** A server for tests: free port on 127.0.0.1, built-in actions, generous rate limits, test secrets, no logs. */
export function testServer(root: string, extra: Partial<ServerOptions> = {}): SdetkitServer {
  return createServer({
    workspaceRoot: root,
    config: defaultAgentConfig(),
    runtime: () => ({ registry: createBuiltinRegistry(), planners: [] }),
    port: 0,
    rateLimit: { maxTokens: 100, refillPerSecond: 100 },
    secrets: { slackSigningSecret: 'slack-secret', telegramSecretToken: 'tg-secret' },
    logger: pino({ level: 'silent' }),
    ...extra,
  });
}
