import type { IncomingMessage } from 'node:http';
import { scimErrors } from '../../../scim/index.ts';

const MEDIA = /^application\/(scim\+)?json\s*(;.*)?$/i;

/**
 * A SCIM request body: `application/scim+json` or `application/json`, at most `limit` bytes (413 above, also when
 * Content-Length announces more), one JSON value (invalidSyntax otherwise).
 */
export async function readScimJson(req: IncomingMessage, limit: number): Promise<unknown> {
  const type = req.headers['content-type'];
  if (type === undefined || !MEDIA.test(type)) {
    req.resume();
    throw scimErrors.ScimUnsupportedMediaType.create({ logMessage: `SCIM body of type ${JSON.stringify(type ?? null).slice(0, 100)}` });
  }
  const tooLarge = () => scimErrors.ScimBodyTooLarge.create({ details: { limit_bytes: limit }, logMessage: `SCIM body over ${limit} bytes` });
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
  const text = Buffer.concat(chunks, size).toString('utf8');
  if (text.trim() === '') throw scimErrors.badSyntax('the request has no body');
  try {
    return JSON.parse(text);
  } catch {
    throw scimErrors.badSyntax('the body is not valid JSON');
  }
}
