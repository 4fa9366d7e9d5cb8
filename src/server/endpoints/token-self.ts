import type { IncomingMessage, ServerResponse } from 'node:http';
import { describeMachine, readCredential, tokenErrors } from '../../tokens/index.ts';
import { BearerNotSupported } from '../errors.ts';
import { clientAddress } from '../../proxy/index.ts';
import type { GatewayServices, RequestState } from '../context.ts';
import { sendJson } from '../respond.ts';
import type { Runtime } from '../runtime.ts';

/**
 * GET /.airlock/token/self — what the presented machine credential (an Airlock token or a workload JWT) may do:
 * kind, name, owner, service account, environments, DAG globs, actions, every scope layer, expiry and the actions
 * that need a person's approval. JSON only; counts against the token's rate limit.
 */
export async function tokenSelf(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState): Promise<void> {
  rs.api = true;
  const cred = readCredential(req);
  if (cred === undefined) throw tokenErrors.TokenMissing.create();
  if (cred.kind === 'other') throw BearerNotSupported.create();
  let ip: string | undefined;
  try {
    ip = clientAddress(rt.trusted, req).ip;
  } catch {
    ip = req.socket.remoteAddress;
  }
  const auth = await svc.tokens.authenticate(cred, rt, ip);
  rs.identity = auth.principal.identity;
  sendJson(res, 200, describeMachine(auth, rt.tokens, svc.now()));
}
