import type { ServerResponse } from 'node:http';
import { AirlockError, isAirlockError } from '../../errors/index.ts';
import type { Decision } from '../../policy/index.ts';
import type { IngressKind } from '../../proxy/index.ts';

/** Response header naming the refusal's code (every non-2xx answer of /.airlock/authz): the ingress can show it. */
export const ERROR_HEADER = 'x-airlock-error';
/** Response header with the policy's reason codes, comma-separated, on a refusal by the policy. */
export const REASONS_HEADER = 'x-airlock-reasons';
/** nginx style: where to send the browser (sign-in, security key, sign-out), on a 401. */
export const REDIRECT_HEADER = 'x-airlock-redirect';
/** nginx style: the status Airlock meant, when it answered 403 for nginx instead (see ingressError). */
export const STATUS_HEADER = 'x-airlock-status';

const NO_STORE = { 'cache-control': 'no-store' } as const;

/** The whole header set of a 200, per identity-headers object (the same object for a subject while its assertion lasts). */
const allowHeaders = new WeakMap<object, Readonly<Record<string, string | number>>>();

/** 200: let the request through; `headers` are the identity headers the ingress copies onto it. */
export function allow(res: ServerResponse, headers: Readonly<Record<string, string>>): void {
  let all = allowHeaders.get(headers);
  if (all === undefined) allowHeaders.set(headers, (all = Object.freeze({ ...NO_STORE, ...headers, 'content-length': 0 })));
  res.writeHead(200, all);
  res.end();
}

/**
 * Sends the browser to a gateway page (absolute URL on public_url). Traefik and Envoy relay a 302 to the client;
 * nginx's auth_request cannot (any status but 2xx, 401 and 403 becomes a 500), so nginx gets 401 with the URL in
 * X-Airlock-Redirect, and its `error_page 401 = @airlock_signin` location answers the 302 (docs/forward-auth.md).
 */
export function redirectVia(res: ServerResponse, ingress: IngressKind, url: string, code?: string): void {
  const named = code === undefined ? {} : { [ERROR_HEADER]: code };
  if (ingress === 'nginx') res.writeHead(401, { ...NO_STORE, ...named, [REDIRECT_HEADER]: url, 'content-length': 0 });
  else res.writeHead(302, { ...NO_STORE, ...named, location: url, 'content-length': 0 });
  res.end();
}

/** Headers of a refusal by the policy (set before the body is written: writeHead keeps them). */
export function markRefusal(res: ServerResponse, code: string, d?: Decision): void {
  res.setHeader(ERROR_HEADER, code);
  if (d && d.reasons.length > 0) res.setHeader(REASONS_HEADER, d.reasons.map((r) => r.code).join(','));
}

/**
 * An error on its way to the client (through the server's error responder): names its code in X-Airlock-Error, and
 * for nginx turns a 4xx other than 401/403 into a 403 (X-Airlock-Status keeps the meant status), because nginx's
 * auth_request answers any other status with a 500 and the reason would be lost. 5xx stay (nginx: 500, fail closed).
 */
export function ingressError(res: ServerResponse, ingress: IngressKind | undefined, err: unknown): unknown {
  if (!isAirlockError(err)) return err;
  if (!res.headersSent) res.setHeader(ERROR_HEADER, err.code);
  if (ingress !== 'nginx' || err.status < 400 || err.status >= 500 || err.status === 401 || err.status === 403) return err;
  if (!res.headersSent) res.setHeader(STATUS_HEADER, String(err.status));
  return new AirlockError(err.code, 403, err.publicMessage, { cause: err, logMessage: err.message, ...(err.details ? { details: { ...err.details } } : {}) });
}
