import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { base64url, decodeJwt, decodeProtectedHeader, generateKeyPair, importJWK, SignJWT, type JWK, type JWTPayload } from 'jose';

export type JsonBody = Record<string, unknown>;
export type Rewrite = (body: JsonBody) => JsonBody | Promise<JsonBody>;

/**
 * A man-in-the-middle between the gateway and the dev IdP: it serves the IdP's real discovery document with
 * token_endpoint, userinfo_endpoint and jwks_uri pointing at itself, forwards those requests to the real IdP
 * and lets a test rewrite the token and userinfo responses.
 */
export interface IdpMitm {
  readonly url: string;
  /** Put this in the gateway config as idp.discovery_url. */
  readonly discoveryUrl: string;
  /** Rewrites the next token responses (200 only) until cleared. */
  onToken: Rewrite | undefined;
  onUserinfo: Rewrite | undefined;
  /** Every id_token the real IdP issued through this MITM, in order (before any rewrite). */
  readonly idTokens: string[];
  /** How often the gateway fetched the JWKS. */
  readonly jwksFetches: number;
  close(): Promise<void>;
}

export async function startIdpMitm(issuer: string): Promise<IdpMitm> {
  let real: { token_endpoint: string; userinfo_endpoint: string; jwks_uri: string } | undefined;
  let jwksFetches = 0;
  const server = createServer((req, res) => {
    handle(req, res).catch((err: Error) => {
      if (!res.headersSent) res.writeHead(502, { 'content-type': 'text/plain' });
      res.end(`mitm error: ${err.message}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;

  const realMetadata = async () => {
    const r = await fetch(`${issuer}/.well-known/openid-configuration`);
    const doc = (await r.json()) as JsonBody;
    real = { token_endpoint: String(doc.token_endpoint), userinfo_endpoint: String(doc.userinfo_endpoint), jwks_uri: String(doc.jwks_uri) };
    return doc;
  };

  async function handle(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '/').split('?')[0];
    const body = await readAll(req);
    if (path === '/.well-known/openid-configuration') {
      const doc = await realMetadata();
      return json(res, 200, { ...doc, token_endpoint: `${url}/token`, userinfo_endpoint: `${url}/userinfo`, jwks_uri: `${url}/jwks` });
    }
    if (!real) await realMetadata();
    const target = path === '/token' ? real!.token_endpoint : path === '/userinfo' ? real!.userinfo_endpoint : path === '/jwks' ? real!.jwks_uri : undefined;
    if (!target) return json(res, 404, { error: 'not_found' });
    if (path === '/jwks') jwksFetches++;
    const headers: Record<string, string> = {};
    for (const h of ['authorization', 'content-type', 'accept']) {
      const v = req.headers[h];
      if (typeof v === 'string') headers[h] = v;
    }
    const upstream = await fetch(target, { method: req.method ?? 'GET', headers, ...(body.length ? { body: new Uint8Array(body) } : {}) });
    const text = await upstream.text();
    let out: JsonBody;
    try {
      out = JSON.parse(text) as JsonBody;
    } catch {
      res.writeHead(upstream.status, { 'content-type': upstream.headers.get('content-type') ?? 'text/plain' });
      return void res.end(text);
    }
    if (path === '/token' && upstream.ok && typeof out.id_token === 'string') mitm.idTokens.push(out.id_token);
    const rewrite = path === '/token' ? mitm.onToken : path === '/userinfo' ? mitm.onUserinfo : undefined;
    if (upstream.ok && rewrite) out = await rewrite(out);
    json(res, upstream.status, out, upstream.headers.get('content-type') ?? 'application/json');
  }

  const mitm: IdpMitm = {
    url,
    discoveryUrl: `${url}/.well-known/openid-configuration`,
    onToken: undefined,
    onUserinfo: undefined,
    idTokens: [],
    get jwksFetches() {
      return jwksFetches;
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
  return mitm;
}

/** The same ID token, re-signed with `key` (RS256, its kid) after `change` edited the claims. */
export async function resignIdToken(idToken: string, key: JWK & { kid: string }, change: (claims: JWTPayload) => void): Promise<string> {
  const claims = { ...decodeJwt(idToken) };
  change(claims);
  const header = decodeProtectedHeader(idToken);
  return new SignJWT(claims).setProtectedHeader({ ...header, alg: 'RS256', kid: key.kid }).sign(await importJWK(key, 'RS256'));
}

/** The same claims signed by a key the IdP never had, under the IdP's own kid (so only the signature is wrong). */
export async function foreignSignedIdToken(idToken: string): Promise<string> {
  const header = decodeProtectedHeader(idToken);
  const { privateKey } = await generateKeyPair('RS256');
  return new SignJWT({ ...decodeJwt(idToken) }).setProtectedHeader({ ...header, alg: 'RS256' }).sign(privateKey);
}

/** The same claims as an unsigned JWT (`alg: none`). */
export function unsignedIdToken(idToken: string): string {
  const header = { ...decodeProtectedHeader(idToken), alg: 'none' };
  delete (header as { kid?: string }).kid;
  const enc = (v: unknown) => base64url.encode(JSON.stringify(v));
  return `${enc(header)}.${enc(decodeJwt(idToken))}.`;
}

async function readAll(req: IncomingMessage): Promise<Buffer> {
  const chunks: Buffer[] = [];
  for await (const c of req as AsyncIterable<Buffer>) chunks.push(c);
  return Buffer.concat(chunks);
}

function json(res: ServerResponse, status: number, body: unknown, type = 'application/json'): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'content-type': type, 'cache-control': 'no-store', 'content-length': Buffer.byteLength(text) });
  res.end(text);
}
