import type { IncomingMessage } from 'node:http';
import { BodyTooLarge } from './errors.ts';

/**
 * Reads a request body up to `limit` bytes (for DAG ids); larger bodies (or a Content-Length announcing more) are
 * refused with `tooLarge()`, by default 413 AIRLOCK_SERVER_BODY_TOO_LARGE.
 */
export async function readLimitedBody(
  req: IncomingMessage,
  limit: number,
  tooLarge: () => Error = () => BodyTooLarge.create({ details: { limit_bytes: limit } }),
): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) {
    req.resume();
    throw tooLarge();
  }
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw tooLarge();
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}
