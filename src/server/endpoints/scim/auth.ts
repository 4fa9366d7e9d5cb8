import { createHash, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import type { Secret } from '../../../config/index.ts';
import { scimErrors } from '../../../scim/index.ts';

const digest = (s: string) => createHash('sha256').update(s, 'utf8').digest();

/**
 * The SCIM client's bearer token: exactly one Authorization header, scheme Bearer (any case), and a token equal
 * to scim.token. Both sides are hashed first, so the comparison is constant-time whatever their lengths.
 * Anything else is AIRLOCK_SCIM_UNAUTHORIZED (401); the log says why, never the token.
 */
export function checkScimBearer(req: IncomingMessage, token: Secret): void {
  const headers: string[] = [];
  for (let i = 0; i < req.rawHeaders.length; i += 2) if (req.rawHeaders[i]!.toLowerCase() === 'authorization') headers.push(req.rawHeaders[i + 1]!);
  const refuse = (why: string) => scimErrors.ScimUnauthorized.create({ logMessage: `SCIM request refused: ${why}` });
  if (headers.length === 0) throw refuse('no Authorization header');
  if (headers.length > 1) throw refuse('more than one Authorization header');
  const m = /^Bearer +(\S+)\s*$/i.exec(headers[0]!);
  if (!m) throw refuse('the Authorization header is not "Bearer <token>"');
  if (!timingSafeEqual(digest(m[1]!), digest(token.reveal()))) throw refuse('wrong bearer token');
}
