import type { IncomingMessage } from 'node:http';
import { scimErrors } from '../../../scim/index.ts';
import { readLimitedBody } from '../../read-body.ts';

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
  const text = (await readLimitedBody(req, limit, tooLarge)).toString('utf8');
  if (text.trim() === '') throw scimErrors.badSyntax('the request has no body');
  try {
    return JSON.parse(text);
  } catch {
    throw scimErrors.badSyntax('the body is not valid JSON');
  }
}
