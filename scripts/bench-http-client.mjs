// A lean HTTP/1.1 keep-alive load generator for the benchmarks, in the way
// wrk drives a server: a few sockets, one request in flight on each, requests
// written as one string and responses framed by Content-Length. It exists
// because the load generator shares the machine's cores with the server it
// measures: node:http's client costs 100-200 µs of CPU per request on the
// reference machine (2 cores), this one 40-70 µs, so the server's figures
// depend less on how busy the generator keeps the cores. It is strict, not
// general: a response without Content-Length (chunked, say) is an error.
import net from 'node:net';

const HEADER_END = Buffer.from('\r\n\r\n');

/**
 * Sends `count` POST requests to `http://host:port/path` over `connections`
 * keep-alive sockets, one request at a time on each; `body(i)` gives the JSON
 * body of request `i`. Calls `onResponse(status, ms, body)` for each response
 * (`ms`: from writing the request to the end of the response, `body`: a
 * Buffer) and `onError(error)` for each request that got none (the socket is
 * then replaced). A server that answers with `Connection: close` gets a new
 * socket for the next request. Resolves when every request is answered or
 * failed.
 */
export async function driveRequests({
  host = '127.0.0.1',
  port,
  path,
  connections,
  count,
  body,
  onResponse,
  onError,
}) {
  let next = 0;
  const head = (length) =>
    `POST ${path} HTTP/1.1\r\nhost: ${host}:${port}\r\ncontent-type: application/json\r\ncontent-length: ${length}\r\n\r\n`;
  const lane = async () => {
    let connection;
    try {
      while (next < count) {
        const i = next++;
        const text = body(i);
        connection ??= await connect(host, port);
        const started = process.hrtime.bigint();
        try {
          const response = await connection.exchange(head(Buffer.byteLength(text)) + text);
          onResponse(response.status, Number(process.hrtime.bigint() - started) / 1e6, response.body);
          if (response.close) {
            connection.socket.destroy();
            connection = undefined;
          }
        } catch (error) {
          onError(error);
          connection.socket.destroy();
          connection = undefined;
        }
      }
    } finally {
      connection?.socket.end();
    }
  };
  await Promise.all(Array.from({ length: connections }, lane));
}

/** A connected socket with `exchange(request)`: writes the request, resolves with the parsed response. */
function connect(host, port) {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, host);
    socket.setNoDelay(true);
    let pending;
    let buffered = Buffer.alloc(0);
    const fail = (error) => {
      const waiting = pending;
      pending = undefined;
      waiting?.reject(error);
    };
    socket.on('data', (chunk) => {
      if (!pending) {
        // Nothing can be framed after this: the next request on this socket fails.
        socket.destroy(new Error('data from the server with no request in flight'));
        return;
      }
      buffered = buffered.length === 0 ? chunk : Buffer.concat([buffered, chunk]);
      let response;
      try {
        response = parseResponse(buffered);
      } catch (error) {
        fail(error);
        return;
      }
      if (!response) return;
      buffered = buffered.subarray(response.size);
      const waiting = pending;
      pending = undefined;
      waiting.resolve(response);
    });
    socket.on('close', () => fail(new Error('connection closed before the response ended')));
    socket.on('error', (error) => {
      fail(error);
      reject(error);
    });
    socket.once('connect', () =>
      resolve({
        socket,
        exchange: (request) =>
          new Promise((resolveExchange, rejectExchange) => {
            pending = { resolve: resolveExchange, reject: rejectExchange };
            socket.write(request);
          }),
      }),
    );
  });
}

/**
 * The first whole response in `data`, or undefined while it is incomplete:
 * status code, body, whether the server closes the connection after it, and
 * how many bytes it took. Throws on anything it cannot frame.
 */
export function parseResponse(data) {
  const end = data.indexOf(HEADER_END);
  if (end < 0) {
    if (data.length > 64 * 1024) throw new Error('response header larger than 64 KiB');
    return undefined;
  }
  const lines = data.toString('latin1', 0, end).split('\r\n');
  const status = /^HTTP\/1\.[01] (\d{3})/.exec(lines[0] ?? '');
  if (!status) throw new Error(`not an HTTP/1.x status line: ${JSON.stringify(lines[0])}`);
  let length;
  let close = lines[0].startsWith('HTTP/1.0');
  for (const line of lines.slice(1)) {
    const colon = line.indexOf(':');
    const name = line.slice(0, colon).trim().toLowerCase();
    const value = line.slice(colon + 1).trim();
    if (name === 'content-length') {
      if (!/^\d+$/.test(value)) throw new Error(`bad Content-Length: ${JSON.stringify(value)}`);
      length = Number(value);
    } else if (name === 'transfer-encoding') {
      throw new Error(`unsupported Transfer-Encoding: ${value}`);
    } else if (name === 'connection') {
      close = value.toLowerCase() === 'close';
    }
  }
  if (length === undefined) throw new Error('response without Content-Length');
  const size = end + HEADER_END.length + length;
  if (data.length < size) return undefined;
  return { status: Number(status[1]), body: data.subarray(end + HEADER_END.length, size), close, size };
}
