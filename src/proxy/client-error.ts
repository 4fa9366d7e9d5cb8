import type { Server } from 'node:http';
import type { Duplex } from 'node:stream';
import { HeadersTooLarge, MalformedRequest, RequestTimeout } from './errors.ts';
import { writeRawErrorResponse } from './raw-response.ts';

/**
 * Answers Node's own HTTP parser errors ("clientError": duplicate Content-Length, CL+TE, bad chunking,
 * invalid characters, oversized headers, header timeouts) with a clean JSON error and closes the
 * connection. No stack trace, no parser detail reaches the client. `onError` (optional) gets the
 * error for logging.
 */
export function installClientErrorHandler(server: Server, onError?: (err: Error & { code?: string }) => void): void {
  server.on('clientError', (err: Error & { code?: string }, socket: Duplex) => {
    onError?.(err);
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE') {
      socket.destroy();
      return;
    }
    // A response is already on the wire on this connection (pipelined request): raw bytes would corrupt it.
    const busy = (socket as Duplex & { _httpMessage?: { headersSent?: boolean } })._httpMessage;
    if (busy?.headersSent) {
      socket.destroy();
      return;
    }
    const e =
      err.code === 'HPE_HEADER_OVERFLOW'
        ? HeadersTooLarge.create({ cause: err })
        : err.code === 'ERR_HTTP_REQUEST_TIMEOUT' || err.code === 'ERR_HTTP_HEADERS_TIMEOUT'
          ? RequestTimeout.create({ cause: err })
          : MalformedRequest.create({ cause: err });
    writeRawErrorResponse(socket, e);
  });
}
