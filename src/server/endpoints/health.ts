import type { IncomingMessage, ServerResponse } from 'node:http';
import type { GatewayServices } from '../context.ts';
import { sendJson } from '../respond.ts';
import type { Runtime } from '../runtime.ts';

/** GET /.airlock/healthz — the process is alive. */
export function healthz(_req: IncomingMessage, res: ServerResponse): void {
  sendJson(res, 200, { status: 'ok' });
}

/** GET /.airlock/readyz — IdP metadata loaded and store reachable. */
export async function readyz(_req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime): Promise<void> {
  const checks: Record<string, string> = {};
  try {
    await rt.rp.configuration();
    await rt.rp.checkReachable(); // cached metadata alone says nothing about the IdP being up now
    checks.idp = 'ok';
  } catch {
    checks.idp = 'unreachable';
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
