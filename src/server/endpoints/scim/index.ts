import type { IncomingMessage, ServerResponse } from 'node:http';
import { AirlockError, isAirlockError } from '../../../errors/index.ts';
import { clientAddress } from '../../../proxy/index.ts';
import { ERROR_SCHEMA, resourceTypes, schemaDocuments, ScimService, scimErrors, serviceProviderConfig, type ScimResult } from '../../../scim/index.ts';
import type { Store } from '../../../store/index.ts';
import type { GatewayServices, RequestState } from '../../context.ts';
import { GatewayNotFound, Internal, MethodNotAllowed } from '../../errors.ts';
import type { Runtime } from '../../runtime.ts';
import { checkScimBearer } from './auth.ts';
import { readScimJson } from './body.ts';
import { applyChanges } from './effects.ts';
import { SCIM_PREFIX } from './path.ts';

export { SCIM_PREFIX, isScimPath } from './path.ts';

const CONTENT_TYPE = 'application/scim+json; charset=utf-8';

const services = new WeakMap<Store, ScimService>();
function serviceFor(svc: GatewayServices): ScimService {
  let s = services.get(svc.store);
  if (s === undefined) services.set(svc.store, (s = new ScimService({ store: svc.store, now: svc.now })));
  return s;
}

/**
 * /.airlock/scim/v2/* — SCIM 2.0 (RFC 7644) for the IdP's provisioning client: Users, Groups and the discovery
 * endpoints, behind scim.token. Off (404, the gateway's usual answer) without a `scim:` config. Every answer,
 * errors included, is application/scim+json; an error has RFC 7644's shape and its Airlock code in X-Airlock-Error.
 * A change is written, its effects on sessions and tokens are applied and it is audited before the answer goes out.
 */
export async function scimEndpoint(req: IncomingMessage, res: ServerResponse, svc: GatewayServices, rt: Runtime, rs: RequestState, url: URL): Promise<void> {
  rs.api = true;
  const cfg = rt.config.scim;
  if (cfg === undefined) throw GatewayNotFound.create();
  try {
    checkScimBearer(req, cfg.token);
    const result = await route(req, svc, rt, rs, url);
    if (result.changes.length > 0 || result.audit) {
      const counts = await applyChanges(svc, rt, cfg, result.changes, rs.id);
      if (result.audit) {
        await svc.audit.recordDurable({
          type: 'scim',
          request_id: rs.id,
          decision: 'allow',
          actor: { kind: 'service', sub: 'scim', username: 'scim' },
          detail: { ...result.audit, people: counts.people, sessions_ended: counts.sessionsEnded, tokens_revoked: counts.tokensRevoked },
          ...client(req, rt),
        });
      }
    }
    send(res, result.status, result.body, result.status === 201 && result.body ? { location: String((result.body.meta as { location: string }).location) } : {});
  } catch (err) {
    if (!req.complete) req.resume();
    sendScimError(res, svc, rs, err);
  }
}

async function route(req: IncomingMessage, svc: GatewayServices, rt: Runtime, rs: RequestState, url: URL): Promise<ScimResult> {
  const base = `${rt.publicUrl}${SCIM_PREFIX}`;
  const cfg = rt.config.scim!;
  const parts = url.pathname.slice(SCIM_PREFIX.length).split('/').filter((p) => p !== '');
  const method = req.method ?? 'GET';
  const [resource, id, ...extra] = parts;
  const name = resource?.toLowerCase();
  const allow = (methods: string[]) => {
    if (!methods.includes(method)) throw MethodNotAllowed.create({ details: { allowed: methods } });
  };
  const scim = serviceFor(svc);
  const body = () => readScimJson(req, cfg.max_body);
  if (extra.length > 0 || name === undefined) throw scimErrors.notFound('Resource');
  switch (name) {
    case 'serviceproviderconfig':
      if (id !== undefined) throw scimErrors.notFound('Resource');
      allow(['GET']);
      return { status: 200, body: serviceProviderConfig(base), changes: [] };
    case 'resourcetypes': {
      allow(['GET']);
      const all = resourceTypes(base);
      if (id === undefined) return { status: 200, body: listOf(all), changes: [] };
      const one = all.find((r) => r.id === id);
      if (!one) throw scimErrors.notFound('ResourceType');
      return { status: 200, body: one, changes: [] };
    }
    case 'schemas': {
      allow(['GET']);
      const all = schemaDocuments(base);
      if (id === undefined) return { status: 200, body: listOf(all), changes: [] };
      const one = all.find((s) => s.id === decodeURIComponent(id));
      if (!one) throw scimErrors.notFound('Schema');
      return { status: 200, body: one, changes: [] };
    }
    case 'users':
      if (id === undefined) {
        allow(['GET', 'POST']);
        return method === 'GET' ? scim.listUsers(url.searchParams, base) : scim.createUser(await body(), cfg, base);
      }
      allow(['GET', 'PUT', 'PATCH', 'DELETE']);
      if (method === 'GET') return scim.getUser(id, url.searchParams, base);
      if (method === 'PUT') return scim.replaceUser(id, await body(), cfg, base);
      if (method === 'PATCH') return scim.patchUser(id, await body(), cfg, base);
      return scim.deleteUser(id, cfg);
    case 'groups':
      if (id === undefined) {
        allow(['GET', 'POST']);
        return method === 'GET' ? scim.listGroups(url.searchParams, base) : scim.createGroup(await body(), cfg, base);
      }
      allow(['GET', 'PUT', 'PATCH', 'DELETE']);
      if (method === 'GET') return scim.getGroup(id, url.searchParams, base);
      if (method === 'PUT') return scim.replaceGroup(id, await body(), cfg, base);
      if (method === 'PATCH') return scim.patchGroup(id, await body(), cfg, base);
      return scim.deleteGroup(id, cfg);
    default:
      throw scimErrors.notFound('Resource');
  }
}

function listOf(resources: Record<string, unknown>[]): Record<string, unknown> {
  return { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: resources.length, startIndex: 1, itemsPerPage: resources.length, Resources: resources };
}

function client(req: IncomingMessage, rt: Runtime): { client_ip?: string; user_agent?: string } {
  let ip: string | undefined;
  try {
    ip = clientAddress(rt.trusted, req).ip;
  } catch {
    ip = req.socket.remoteAddress;
  }
  const ua = req.headers['user-agent'];
  return { ...(ip ? { client_ip: ip } : {}), ...(ua ? { user_agent: ua } : {}) };
}

function send(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  if (res.headersSent) return void res.destroy();
  const text = body === undefined ? '' : JSON.stringify(body);
  res.writeHead(status, { 'cache-control': 'no-store', 'x-content-type-options': 'nosniff', ...(body === undefined ? {} : { 'content-type': CONTENT_TYPE }), 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

/** RFC 7644 3.12: `{ schemas: [Error], status: "<code>", scimType?, detail }`; the Airlock code in X-Airlock-Error. */
function sendScimError(res: ServerResponse, svc: GatewayServices, rs: RequestState, err: unknown): void {
  const e: AirlockError = isAirlockError(err) ? err : Internal.create({ cause: err });
  rs.errorCode = e.code;
  rs.decision = 'error';
  if (e.status >= 500) svc.log.error({ reqId: rs.id, code: e.code, err: e.cause ?? e }, e.message);
  else if (e.status === 401) svc.log.warn({ reqId: rs.id, code: e.code, why: e.message }, 'scim: request refused');
  else svc.log.info({ reqId: rs.id, code: e.code, why: e.message }, 'scim: request refused');
  const scimType = typeof e.details?.scimType === 'string' ? e.details.scimType : undefined;
  const headers: Record<string, string> = { 'x-airlock-error': e.code };
  if (e.status === 401) headers['www-authenticate'] = 'Bearer realm="airlock-scim"';
  const allowed = e.details?.allowed;
  if (e.status === 405 && Array.isArray(allowed)) headers.allow = allowed.join(', ');
  send(res, e.status, { schemas: [ERROR_SCHEMA], status: String(e.status), ...(scimType ? { scimType } : {}), detail: e.publicMessage }, headers);
}
