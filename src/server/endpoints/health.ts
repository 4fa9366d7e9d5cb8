import type { IncomingMessage, ServerResponse } from 'node:http';
import { identityErrors } from '../../identity/index.ts';
import type { GatewayServices } from '../context.ts';
import { sendJson } from '../respond.ts';
import type { Runtime } from '../runtime.ts';

/** GET /.airlock/healthz — the process is alive. */
export function healthz(_req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' });
}

/** GET /.airlock/readyz — IdP metadata loaded (checks.idp: ok, unreachable or issuer_mismatch) and store reachable. */
export async function readyz(_req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime): Promise<void> {
  const checks: Record<string, string> = {};
  try {
    await rt.rp.configuration();
    await rt.rp.checkReachable(); // cached metadata alone says nothing about the IdP being up now
    checks.idp = 'ok';
  } catch (err) {
    // a discovery document naming another issuer is a configuration error, not an outage
    checks.idp = identityErrors.IssuerMismatch.is(err) ? 'issuer_mismatch' : 'unreachable';
  }
  try {
    await svc.store.ping();
    checks.store = 'ok';
  } catch {
    checks.store = 'unreachable';
  }
  const ok = Object.values(checks).every((v) => v === 'ok');
  sendJson(res, ok ? 200 : 503, { status: ok ? 'ready' : 'not_ready', checks, config_version: rt.version });
}
