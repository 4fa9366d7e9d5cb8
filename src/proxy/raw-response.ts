import { STATUS_CODES } from 'node:http';
import type { Duplex } from 'node:stream';
import type { AirlockError } from '../errors/index.ts';

/**
 * Writes a complete JSON error response straight to a socket and closes it. For places where there
 * is no ServerResponse: Node parser errors (clientError) and refused WebSocket upgrades.
 * The body is AirlockError.toJSON(): code and client-safe message, never a stack trace; with `requestId`
 * (a refused upgrade) also `request_id` and an X-Request-Id header, like every other gateway response.
 */
export function writeRawErrorResponse(socket: Duplex, err: AirlockError, requestId?: string): void {
  if (socket.destroyed || !socket.writable) {
    socket.destroy();
    return;
  }
  const body = JSON.stringify(requestId === undefined ? err.toJSON() : { ...err.toJSON(), request_id: requestId });
  const reason = STATUS_CODES[err.status] ?? 'Error';
  socket.end(
    `HTTP/1.1 ${err.status} ${reason}\r\n` +
      'Content-Type: application/json; charset=utf-8\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Cache-Control: no-store\r\n' +
      (requestId === undefined ? '' : `X-Request-Id: ${requestId}\r\n`) +
      'Connection: close\r\n\r\n' +
      body,
  );
}
