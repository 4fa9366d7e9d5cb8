import { createServer, type IncomingMessage, type ServerResponse } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import * as oidc from 'openid-client';

/** What the test RP received at its callback. */
export interface RpLogin {
  code: string;
  idToken: string;
  claims: Record<string, unknown>;
  userinfo: Record<string, unknown>;
}

export interface TestRp {
  readonly url: string;
  /** <url>/.airlock/callback, to register at the IdP. */
  readonly redirectUri: string;
  /** Connects the RP to its IdP (call after the IdP is up, it needs redirectUri first). */
  use(opts: { issuer: string; clientId: string; clientSecret?: string; privateKey?: { key: CryptoKey; kid: string }; scope?: string }): Promise<void>;
  readonly logins: RpLogin[];
  close(): Promise<void>;
}

/**
 * A test-only relying party with the gateway's URL shape (/.airlock/login?rd=..., /.airlock/callback),
 * built on openid-client, so the login helper and the dev IdP can be tested before the gateway exists.
 * After a successful callback it sets the cookie `rp_session` and redirects to rd.
 */
export async function startTestRp(): Promise<TestRp> {
  const pending = new Map<string, { verifier: string; rd: string }>();
  const logins: RpLogin[] = [];
  let config: oidc.Configuration | undefined;
  let scope = 'openid profile email';
  const server = createServer((req, res) => {
    route(req, res).catch((err: unknown) => {
      if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain' });
      res.end(`test rp error: ${String(err)}`);
    });
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const url = `http://localhost:${(server.address() as AddressInfo).port}`;
  const redirectUri = `${url}/.airlock/callback`;

  async function route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const u = new URL(req.url ?? '/', url);
    if (u.pathname === '/.airlock/login' && config) {
      const state = oidc.randomState();
      const verifier = oidc.randomPKCECodeVerifier();
      pending.set(state, { verifier, rd: u.searchParams.get('rd') ?? '/' });
      const to = oidc.buildAuthorizationUrl(config, {
        redirect_uri: redirectUri, scope, state,
        code_challenge: await oidc.calculatePKCECodeChallenge(verifier), code_challenge_method: 'S256',
      });
      res.writeHead(302, { location: to.href }).end();
      return;
    }
    if (u.pathname === '/.airlock/callback' && config) {
      const state = u.searchParams.get('state') ?? '';
      const p = pending.get(state);
      if (!p) {
        res.writeHead(400, { 'content-type': 'text/plain' }).end('unknown state');
        return;
      }
      pending.delete(state);
      const tokens = await oidc.authorizationCodeGrant(config, u, { pkceCodeVerifier: p.verifier, expectedState: state });
      const claims = { ...(tokens.claims() ?? {}) } as Record<string, unknown>;
      const userinfo = await oidc.fetchUserInfo(config, tokens.access_token, String(claims.sub));
      logins.push({ code: u.searchParams.get('code') ?? '', idToken: tokens.id_token ?? '', claims, userinfo: { ...userinfo } });
      res.writeHead(302, { location: p.rd, 'set-cookie': `rp_session=${randomBytes(12).toString('hex')}; Path=/; HttpOnly` }).end();
      return;
    }
    res.writeHead(200, { 'content-type': 'text/plain' }).end(`page ${u.pathname}`);
  }

  return {
    url,
    redirectUri,
    logins,
    async use(opts) {
      scope = opts.scope ?? scope;
      const auth = opts.privateKey ? oidc.PrivateKeyJwt(opts.privateKey) : undefined;
      config = await oidc.discovery(new URL(opts.issuer), opts.clientId, opts.clientSecret, auth, { execute: [oidc.allowInsecureRequests] });
    },
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}
