import { type DestinationStream, type Logger, pino } from 'pino';

/** Header names whose values are credentials. */
const SECRET_HEADERS = [
  'authorization',
  'x-slack-signature',
  'x-sdetkit-signature',
  'x-telegram-bot-api-secret-token',
];

/**
 * Paths redacted from every log line. The server never logs headers, bodies
 * or query strings; this is a second guard for the places they could
 * appear: top-level credential fields and the headers of a request object.
 * Exact paths only: a wildcard (`*.authorization`) made pino walk every
 * field of every line, ~16 µs and ~26 KB of garbage per request line.
 */
export const REDACTED_LOG_PATHS: readonly string[] = [
  'authorization',
  'token',
  'signature',
  'secret',
  ...['headers', 'req.headers', 'request.headers'].flatMap((parent) =>
    SECRET_HEADERS.map((name) => `${parent}["${name}"]`),
  ),
];

/**
 * The server's default logger: structured JSON at info level, with
 * credentials redacted, to `destination` (default: stderr, written
 * asynchronously in batches of 4 KiB or every 250 ms; `close()` of the
 * server and process exit flush what is left).
 */
export function createServerLogger(destination?: DestinationStream): Logger {
  return pino(
    {
      level: 'info',
      base: { service: 'sdetkit-server' },
      redact: { paths: [...REDACTED_LOG_PATHS], censor: '[redacted]' },
    },
    destination ?? pino.destination({ dest: 2, sync: false, minLength: 4096, periodicFlush: 250 }),
  );
}
