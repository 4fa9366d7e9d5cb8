import { createServer, type Server } from 'node:http';
import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { JWK } from 'oidc-provider';
import { Provider, type ProviderType } from './load-provider.ts';
import { DEMO_USERS } from './demo-users.ts';
import { createMemoryStorage } from './memory-adapter.ts';
import { buildProviderConfig } from './provider-config.ts';
import { handleInteraction } from './interactions.ts';
import { endUserSessions, handleAdmin, setUserGroups } from './admin.ts';
import { newSigningKey } from './signing-keys.ts';
import type { DemoUser, DevIdp, DevIdpOptions } from './types.ts';

/**
 * Starts a development OpenID Provider (oidc-provider 9) with its own login form, auto-granted consent,
 * PKCE required and RP-initiated logout. Issuer: http://<host>:<port>.
 */
export async function createDevIdp(opts: DevIdpOptions): Promise<DevIdp> {
  checkOptions(opts);
  const host = opts.host ?? 'localhost';
  const users: DemoUser[] = (opts.users ?? DEMO_USERS).map((u) => ({ ...u, groups: [...u.groups] }));
  const storage = createMemoryStorage();
  const cookieKeys = [randomBytes(32).toString('base64url')];
  let keys: JWK[] = opts.signingKey ? [{ ...opts.signingKey }] : [await newSigningKey()];

  const server: Server = createServer();
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(opts.port ?? 0, host, () => {
      server.off('error', reject);
      resolve();
    });
  });
  const { port } = server.address() as AddressInfo;
  const issuer = `http://${host}:${port}`;

  let clients = opts.clients.map((c) => ({ ...c }));
  const build = (): ProviderType => new Provider(issuer, buildProviderConfig({
    users,
    clients,
    groupsClaim: opts.groupsClaim ?? 'groups',
    amr: opts.amr,
    acr: opts.acr,
    idTokenTtlSeconds: opts.idTokenTtlSeconds ?? 3600,
    resourceServers: opts.resourceServers,
    keys,
    cookieKeys,
    refreshTokens: opts.refreshTokens ?? true,
    adapter: storage.factory,
  }));
  let refreshGrants = 0;
  const built = (): ProviderType => {
    const p = build();
    p.on('grant.success', (ctx) => {
      if (ctx.oidc.params?.grant_type === 'refresh_token') refreshGrants++;
    });
    return p;
  };
  let provider = built();
  let callback = provider.callback();
  const admin = { provider: () => provider, users, storage, issuer };
  const deps = { provider: () => provider, users, amr: opts.amr, acr: opts.acr, authTimeAgeSeconds: opts.authTimeAgeSeconds ?? 0 };

  server.on('request', (req, res) => {
    handleInteraction(deps, req, res)
      .then(async (handled) => {
        if (!handled && !(await handleAdmin(admin, req, res))) callback(req, res);
      })
      .catch(() => {
        if (!res.headersSent) res.writeHead(500, { 'content-type': 'text/plain; charset=utf-8' });
        res.end('dev IdP error');
      });
  });

  return {
    issuer,
    get provider() {
      return provider;
    },
    users,
    async rotateSigningKey() {
      // oidc-provider signs with the first matching key: put the new one first, keep the old ones published.
      keys = [await newSigningKey(), ...keys];
      provider = built();
      callback = provider.callback();
    },
    async setClientSecret(clientId: string, secret: string) {
      if (!clients.some((c) => c.client_id === clientId)) throw new TypeError(`setClientSecret: no client ${clientId}`);
      if (typeof secret !== 'string' || secret === '') throw new TypeError('setClientSecret: secret must be a non-empty string');
      clients = clients.map((c) => (c.client_id === clientId ? { ...c, client_secret: secret } : c));
      provider = built();
      callback = provider.callback();
    },
    setGroups(username: string, groups: readonly string[]) {
      setUserGroups(users, username, groups);
    },
    endSessions(username: string, o?: { backchannel?: boolean }) {
      return endUserSessions(admin, username, o);
    },
    refreshGrants: () => refreshGrants,
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
      storage.clear();
    },
  };
}

function checkOptions(opts: DevIdpOptions): void {
  if (!opts || !Array.isArray(opts.clients) || opts.clients.length === 0) throw new TypeError('createDevIdp: clients must be a non-empty array');
  for (const c of opts.clients) {
    if (typeof c.client_id !== 'string' || c.client_id === '') throw new TypeError('createDevIdp: every client needs a client_id');
    const loginClient = (c.grant_types ?? ['authorization_code']).includes('authorization_code');
    if (!Array.isArray(c.redirect_uris) || (loginClient && c.redirect_uris.length === 0)) throw new TypeError(`createDevIdp: client ${c.client_id} needs redirect_uris`);
    const method = c.token_endpoint_auth_method ?? 'client_secret_basic';
    if (method === 'private_key_jwt' && !c.jwks) throw new TypeError(`createDevIdp: client ${c.client_id} uses private_key_jwt and needs jwks`);
    if (method !== 'private_key_jwt' && !c.client_secret) throw new TypeError(`createDevIdp: client ${c.client_id} needs client_secret`);
  }
  if (opts.port !== undefined && (!Number.isInteger(opts.port) || opts.port < 0 || opts.port > 65535)) throw new TypeError('createDevIdp: port must be 0..65535');
  if (opts.groupsClaim !== undefined && opts.groupsClaim === '') throw new TypeError('createDevIdp: groupsClaim must not be empty');
  if (opts.authTimeAgeSeconds !== undefined && (!Number.isInteger(opts.authTimeAgeSeconds) || opts.authTimeAgeSeconds < 0)) {
    throw new TypeError('createDevIdp: authTimeAgeSeconds must be a non-negative integer');
  }
  if (opts.idTokenTtlSeconds !== undefined && (!Number.isInteger(opts.idTokenTtlSeconds) || opts.idTokenTtlSeconds < 1)) {
    throw new TypeError('createDevIdp: idTokenTtlSeconds must be a positive integer');
  }
}
