import type { IncomingMessage } from 'node:http';
import { clientAddress } from '../proxy/index.ts';
import { readCredential, tokenErrors, type MachineAuth } from '../tokens/index.ts';
import type { GatewayServices, RequestState } from './context.ts';
import { BearerNotSupported } from './errors.ts';
import type { Runtime } from './runtime.ts';

/**
 * The machine credential (Airlock token or workload JWT) of a gateway endpoint that only machines call
 * (token/self, an approval's status): JSON answers, the token's rate limit, refusals as on the proxy path.
 */
export async function authenticateMachineCaller(req: IncomingMessage, svc: GatewayServices, rt: Runtime, rs: RequestState): Promise<MachineAuth> {
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
  return auth;
}
