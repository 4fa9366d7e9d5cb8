import type { IncomingMessage, ServerResponse } from 'node:http';
import { authenticate } from '../authenticate.ts';
import type { GatewayServices } from '../context.ts';
import { NotAuthenticated } from '../errors.ts';
import { sendJson } from '../respond.ts';
import type { Runtime } from '../runtime.ts';

/** GET /.airlock/whoami — the current identity as JSON. */
export async function whoami(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime): Promise<void> {
  const auth = await authenticate(req, rt, svc);
  if (!auth) throw NotAuthenticated.create({ details: { login_url: `${rt.publicUrl}/.airlock/login` } });
  const { identity, record } = auth;
  sendJson(res, 200, {
    sub: identity.sub,
    username: identity.username,
    email: identity.email ?? null,
    name: identity.name ?? null,
    kind: identity.kind,
    groups: identity.groups,
    roles: identity.roles,
    mfa: identity.mfa,
    session: {
      id: identity.sessionId,
      created_at: new Date(record.createdAt).toISOString(),
      expires_at: new Date(Math.min(record.expiresAt, record.idleExpiresAt)).toISOString(),
      absolute_expires_at: new Date(record.expiresAt).toISOString(),
    },
  });
}
