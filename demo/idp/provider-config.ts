import type { Configuration, JWK, KoaContextWithOIDC } from 'oidc-provider';
import type { AdapterFactory } from 'oidc-provider';
import { subjectOf } from './demo-users.ts';
import { errorPage, loggedOutPage, logoutPage } from './pages.ts';
import type { DemoUser, DevIdpClient } from './types.ts';

export interface ProviderConfigInput {
  users: readonly DemoUser[];
  clients: readonly DevIdpClient[];
  groupsClaim: string;
  amr: string[] | undefined;
  acr: string | undefined;
  idTokenTtlSeconds: number;
  keys: JWK[];
  cookieKeys: string[];
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
      grant_types: ['authorization_code', 'refresh_token'],
      response_types: ['code'],
      require_auth_time: true,
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
    features: {
      devInteractions: { enabled: false },
      userinfo: { enabled: true },
      revocation: { enabled: true },
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
            ...(user.distributedGroups
              ? { _claim_names: { [groupsClaim]: 'src1' }, _claim_sources: { src1: { endpoint: `https://graph.example.invalid/v1.0/users/${sub}/getMemberObjects` } } }
              : { [groupsClaim]: [...user.groups] }),
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
      ClientCredentials: 600,
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
