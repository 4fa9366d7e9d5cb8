import type { IncomingMessage } from 'node:http';
import { BodyTooLarge } from './errors.ts';

/** Reads a request body up to `limit` bytes (for DAG ids); larger bodies are refused with 413. */
export async function readLimitedBody(req: IncomingMessage, limit: number): Promise<Buffer> {
  const declared = req.headers['content-length'];
  if (declared !== undefined && Number(declared) > limit) throw BodyTooLarge.create({ details: { limit_bytes: limit } });
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > limit) {
      req.resume();
      throw BodyTooLarge.create({ details: { limit_bytes: limit } });
    }
    chunks.push(chunk);
  }
  return chunks.length === 1 ? chunks[0]! : Buffer.concat(chunks, size);
}
