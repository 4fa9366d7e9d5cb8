import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

/** How the front answers an endpoint: forward to the real IdP, or misbehave. */
export type FrontMode =
  | { kind: 'pass' }
  | { kind: 'status'; status: number; body: string; type: string; headers?: Record<string, string> }
  /** Accepts the request and never answers. */
  | { kind: 'hang' };

export const PASS: FrontMode = { kind: 'pass' };

/**
 * A real HTTP server in front of the dev IdP's back channel: it serves the IdP's discovery document (at
 * /.well-known/openid-configuration) with token_endpoint, userinfo_endpoint and jwks_uri pointing at itself, and
 * answers those as the test says: forwarded to the IdP, an HTTP error, or never. Every token that passes through
 * (access, ID and refresh tokens) and every Authorization header sent to it are kept, so a test can prove none
 * of them reaches a log.
 */
export interface IdpFront {
  readonly url: string;
  readonly discoveryUrl: string;
  token: FrontMode;
  userinfo: FrontMode;
  jwks: FrontMode;
  /** Replaces `issuer` in the discovery document (a misconfigured or hostile discovery). */
  issuerOverride: string | undefined;
  /** Rewrites the ID token of a forwarded token response. */
  rewriteIdToken: ((idToken: string) => Promise<string>) | undefined;
  /** Tokens and credentials seen (never to be logged by the gateway). */
  readonly secrets: string[];
  close(): Promise<void>;
}

export async function startIdpFront(issuer: string): Promise<IdpFront> {
  let real: Record<string, unknown> | undefined;
  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`front error: ${err.message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;

  async function metadata(): Promise<Record<string, unknown>> {
    real ??= (await (await fetch(`${issuer}/.well-known/openid-configuration`)).json()) as Record<string, unknown>;
    return real;
  }

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const chunks: Buffer[] = [];
    for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
    const body = Buffer.concat(chunks);
    const path = (req.url ?? '/').split('?')[0];
    const doc = await metadata();
    if (path === '/.well-known/openid-configuration') {
      return send(res, 200, JSON.stringify({ ...doc, issuer: front.issuerOverride ?? doc.issuer, token_endpoint: `${url}/token`, userinfo_endpoint: `${url}/userinfo`, jwks_uri: `${url}/jwks` }), 'application/json');
    }
    const target = path === '/token' ? doc.token_endpoint : path === '/userinfo' ? doc.userinfo_endpoint : path === '/jwks' ? doc.jwks_uri : undefined;
    if (typeof target !== 'string') return send(res, 404, '{"error":"not_found"}', 'application/json');
    if (req.headers.authorization) front.secrets.push(req.headers.authorization.replace(/^\w+ /, ''));
    const mode = path === '/token' ? front.token : path === '/userinfo' ? front.userinfo : front.jwks;
    if (mode.kind === 'hang') return;
    if (mode.kind === 'status') return send(res, mode.status, mode.body, mode.type, mode.headers);
    const headers: Record<string, string> = {};
    for (const h of ['authorization', 'content-type', 'accept', 'dpop']) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const upstream = await fetch(target, { method: req.method ?? 'GET', headers, ...(body.length ? { body: new Uint8Array(body) } : {}) });
    let text = await upstream.text();
    const extra: Record<string, string> = {};
    const challenge = upstream.headers.get('www-authenticate');
    if (challenge) extra['www-authenticate'] = challenge;
    if (path === '/token' && upstream.ok) {
      const json = JSON.parse(text) as Record<string, unknown>;
      for (const k of ['access_token', 'id_token', 'refresh_token']) if (typeof json[k] === 'string') front.secrets.push(json[k] as string);
      if (front.rewriteIdToken && typeof json.id_token === 'string') json.id_token = await front.rewriteIdToken(json.id_token);
      text = JSON.stringify(json);
    }
    return send(res, upstream.status, text, upstream.headers.get('content-type') ?? 'application/json', extra);
  }

  const front: IdpFront = {
    url,
    discoveryUrl: `${url}/.well-known/openid-configuration`,
    token: PASS,
    userinfo: PASS,
    jwks: PASS,
    issuerOverride: undefined,
    rewriteIdToken: undefined,
    secrets: [],
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return front;
}

function send(res: ServerResponse, status: number, body: string, type: string, headers: Record<string, string> = {}): void {
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(body), ...headers });
  res.end(body);
}
