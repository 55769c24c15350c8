export { capResult, mcpCallAction, mcpListAction } from './mcp-actions.js';
export { McpBridgeError, type McpSession, minimalEnv, openMcpSession } from './mcp-session.js';
