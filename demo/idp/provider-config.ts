import type { Configuration, JWK, KoaContextWithOIDC, ResponseType } from 'oidc-provider';
import type { AdapterFactory } from 'oidc-provider';
import { subjectOf } from './demo-users.ts';
import { providerErrors } from './load-provider.ts';
import { errorPage, loggedOutPage, logoutPage } from './pages.ts';
import type { DemoUser, DevIdpClient, DevIdpResourceServer } from './types.ts';

export interface ProviderConfigInput {
  users: readonly DemoUser[];
  clients: readonly DevIdpClient[];
  groupsClaim: string;
  amr: string[] | undefined;
  acr: string | undefined;
  idTokenTtlSeconds: number;
  keys: JWK[];
  cookieKeys: string[];
  /** Issue (rotating) refresh tokens to clients allowed the refresh_token grant. */
  refreshTokens: boolean;
  resourceServers?: readonly DevIdpResourceServer[] | undefined;
  adapter: AdapterFactory;
}

/** The oidc-provider configuration of the dev IdP. Built afresh for every provider instance. */
export function buildProviderConfig(input: ProviderConfigInput): Configuration {
  const bySub = new Map(input.users.map((u) => [subjectOf(u.username), u]));
  const { groupsClaim } = input;
  const idTokenOnly = ['acr', 'amr', 'auth_time'];
  const allClaims = ['sub', 'name', 'preferred_username', 'email', 'email_verified', groupsClaim, ...idTokenOnly];

  return {
    adapter: input.adapter,
    clients: input.clients.map((c) => ({
      client_id: c.client_id,
      ...(c.client_secret === undefined ? {} : { client_secret: c.client_secret }),
      redirect_uris: [...c.redirect_uris],
      post_logout_redirect_uris: [...(c.post_logout_redirect_uris ?? [])],
      token_endpoint_auth_method: c.token_endpoint_auth_method ?? 'client_secret_basic',
      ...(c.jwks ? { jwks: { keys: c.jwks.keys as JWK[] } } : {}),
      ...clientGrants(c),
      ...(c.backchannel_logout_uri ? { backchannel_logout_uri: c.backchannel_logout_uri, backchannel_logout_session_required: c.backchannel_logout_session_required ?? true } : {}),
    })),
    jwks: { keys: input.keys },
    cookies: { keys: input.cookieKeys },
    conformIdTokenClaims: false,
    scopes: ['openid', 'profile', 'email', 'groups', 'offline_access'],
    claims: {
      // Groups (and acr/amr/auth_time for the ID token) come with "openid", like Auth0's namespaced claims.
      openid: ['sub', groupsClaim, ...idTokenOnly],
      profile: ['name', 'preferred_username'],
      email: ['email', 'email_verified'],
      groups: [groupsClaim],
    },
    ...(input.acr ? { acrValues: [input.acr] } : {}),
    pkce: { required: () => true },
    // refresh tokens without offline_access (which oidc-provider honours only with prompt=consent), rotated at every use
    async issueRefreshToken(_ctx, client) {
      return input.refreshTokens && client.grantTypeAllowed('refresh_token');
    },
    rotateRefreshToken: () => true,
    // back-channel logout tokens go to the gateway on loopback: oidc-provider's SSRF guard (its own dispatcher, which
    // refuses special-use addresses such as 127.0.0.1) is left out of the dev IdP's outgoing requests
    fetch: (url, options) => {
      const { dispatcher: _guard, ...rest } = options as RequestInit & { dispatcher?: unknown };
      return globalThis.fetch(url, rest);
    },
    features: {
      ...machineTokens(input.resourceServers),
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      revocation: { enabled: true },
      backchannelLogout: { enabled: true },
      rpInitiatedLogout: {
        enabled: true,
        logoutSource(ctx, form) {
          ctx.type = 'html';
          ctx.body = logoutPage(form);
        },
        postLogoutSuccessSource(ctx) {
          ctx.type = 'html';
          ctx.body = loggedOutPage();
        },
      },
    },
    clientBasedCORS: () => true,
    interactions: { url: (_ctx, interaction) => `/interaction/${interaction.uid}` },
    async loadExistingGrant(ctx: KoaContextWithOIDC) {
      // Consent is auto-granted: the grant always covers the requested scopes and claims.
      const { oidc } = ctx;
      const accountId = oidc.session?.accountId;
      const client = oidc.client;
      if (!accountId || !client) return undefined;
      const grantId = (oidc.result?.consent as { grantId?: string } | undefined)?.grantId ?? oidc.session?.grantIdFor(client.clientId);
      const existing = grantId ? await oidc.provider.Grant.find(grantId) : undefined;
      const grant = existing ?? new oidc.provider.Grant({ clientId: client.clientId, accountId });
      grant.addOIDCScope(String(oidc.params?.scope ?? 'openid'));
      grant.addOIDCClaims(allClaims);
      await grant.save();
      return grant;
    },
    async findAccount(_ctx, sub) {
      const user = bySub.get(sub);
      if (!user) return undefined;
      return {
        accountId: sub,
        async claims() {
          return {
            sub,
            preferred_username: user.username,
            name: user.name,
            email: user.email,
            email_verified: true,
            ...(user.distributedGroups ? distributedClaim(groupsClaim, sub, user.distributedGroups) : { [groupsClaim]: [...user.groups] }),
          };
        },
      };
    },
    async renderError(ctx, out) {
      ctx.type = 'html';
      ctx.body = errorPage(String(out.error), out.error_description === undefined ? undefined : String(out.error_description));
    },
    ttl: {
      AccessToken: 3600,
      AuthorizationCode: 60,
      // a resource server's own lifetime for its client_credentials JWTs (default 600 s)
      ClientCredentials: (_ctx, token) => (token as { resourceServer?: { accessTokenTTL?: number } }).resourceServer?.accessTokenTTL ?? 600,
      IdToken: input.idTokenTtlSeconds,
      RefreshToken: 86_400,
      Interaction: 3600,
      Session: 86_400,
      Grant: 86_400,
      DeviceCode: 600,
      BackchannelAuthenticationRequest: 600,
    },
  };
}

/** The groups claim as a distributed claim (OIDC Core 5.6.2), the way Entra ID sends it on group overage. */
function distributedClaim(groupsClaim: string, sub: string, source: Exclude<DemoUser['distributedGroups'], false | undefined>): Record<string, unknown> {
  const src1 = source === true
    ? { endpoint: `https://graph.example.invalid/v1.0/users/${sub}/getMemberObjects` }
    : { endpoint: source.endpoint, ...(source.accessToken === undefined ? {} : { access_token: source.accessToken }) };
  return { _claim_names: { [groupsClaim]: 'src1' }, _claim_sources: { src1 } };
}

/** Grant and response types of a client: a person's login (code + refresh), client_credentials, or both. */
function clientGrants(c: DevIdpClient): { grant_types: string[]; response_types: ResponseType[]; require_auth_time?: boolean } {
  const grants = c.grant_types ?? ['authorization_code'];
  const code = grants.includes('authorization_code');
  return {
    grant_types: [...(code ? ['authorization_code', 'refresh_token'] : []), ...(grants.includes('client_credentials') ? ['client_credentials'] : [])],
    response_types: code ? ['code'] : [],
    ...(code ? { require_auth_time: true } : {}),
  };
}

/**
 * client_credentials with RFC 8707 resource indicators: a token request naming one of the resource servers gets a
 * JWT access token (typ at+jwt, RS256 with the IdP's key, aud = the resource, sub = client_id = the client).
 * Off unless resource servers are given, so person logins are unchanged.
 */
function machineTokens(servers: readonly DevIdpResourceServer[] | undefined): NonNullable<Configuration['features']> {
  if (!servers || servers.length === 0) return {};
  return {
    clientCredentials: { enabled: true },
    resourceIndicators: {
      enabled: true,
      defaultResource: (_ctx, _client, oneOf) => oneOf ?? undefined,
      useGrantedResource: () => false,
      getResourceServerInfo(_ctx, resource) {
        const rs = servers.find((s) => s.resource === resource);
        if (!rs) throw new providerErrors.InvalidTarget();
        return { scope: rs.scope ?? 'airflow', audience: rs.resource, accessTokenTTL: rs.accessTokenTtlSeconds ?? 300, accessTokenFormat: 'jwt', jwt: { sign: { alg: 'RS256' } } };
      },
    },
  };
}
