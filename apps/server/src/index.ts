export { createServer, type SdetkitServer, type ServerOptions } from './create-server.js';
export { BodyTooLargeError, readBodyCapped } from './read-body.js';
export { ServerMetrics } from './server-metrics.js';
