import type { JWK } from 'jose';
import type Provider from 'oidc-provider';

/** A person who can log in at the dev IdP. */
export interface DemoUser {
  readonly username: string;
  readonly password: string;
  readonly email: string;
  readonly name: string;
  readonly groups: readonly string[];
  /**
   * Send the groups as a distributed claim (`_claim_names`/`_claim_sources`, OIDC Core 5.6.2) instead of in the
   * token, as Entra ID does for an account in more than 200 groups ("group overage"). Tests only.
   * `true`: the source endpoint is https://graph.example.invalid/v1.0/users/<sub>/getMemberObjects (unreachable);
   * an object names the endpoint (and optionally the source's own access_token) to serve in `_claim_sources`.
   */
  readonly distributedGroups?: boolean | { readonly endpoint: string; readonly accessToken?: string };
}

export interface DevIdpClient {
  client_id: string;
  client_secret?: string;
  redirect_uris: string[];
  post_logout_redirect_uris?: string[];
  token_endpoint_auth_method?: 'client_secret_basic' | 'client_secret_post' | 'private_key_jwt';
  /** Public keys of the client, for private_key_jwt. */
  jwks?: { keys: JWK[] };
  /** OIDC Back-Channel Logout 1.0: where the IdP posts logout tokens when a session of this client ends. */
  backchannel_logout_uri?: string;
  /** Put the IdP session id (`sid`) in logout tokens (Airlock registers true). */
  backchannel_logout_session_required?: boolean;
  /**
   * Default ["authorization_code"] (a person's login, with refresh tokens). "client_credentials": a machine client
   * that gets access tokens for a resource server (resourceServers); a client with only that grant needs no
   * redirect_uris.
   */
  grant_types?: ('authorization_code' | 'client_credentials')[];
}

/** A resource server (RFC 8707 resource indicator) whose access tokens are RFC 9068 JWTs (typ at+jwt, aud = resource). */
export interface DevIdpResourceServer {
  /** The resource indicator, an absolute URL (also the tokens' aud). */
  resource: string;
  /** Scopes a client may ask for; default "airflow". */
  scope?: string;
  /** Access token lifetime; default 300. */
  accessTokenTtlSeconds?: number;
}

export interface DevIdpOptions {
  /** 0 (default) = ephemeral. */
  port?: number;
  /** Host name to listen on and to put in the issuer; default "localhost". */
  host?: string;
  /** Default: the demo users (alice, bob, carol, dave, erin). */
  users?: DemoUser[];
  clients: DevIdpClient[];
  /** Claim that carries the groups; default "groups" (e.g. "https://example.com/groups", Auth0 style). */
  groupsClaim?: string;
  /** Emitted in ID tokens when set. */
  amr?: string[];
  /** Emitted in ID tokens when set. */
  acr?: string;
  /** ID token lifetime; default 3600. */
  idTokenTtlSeconds?: number;
  /**
   * Issue refresh tokens (default true): to every client allowed the refresh_token grant, without asking for
   * offline_access (a real IdP wants `offline_access` in idp.scopes). They rotate at every use; a rotated one used
   * again is refused (invalid_grant) and revokes its whole grant, as oidc-provider does.
   */
  refreshTokens?: boolean;
  /** Resource servers for client_credentials JWT access tokens (features.clientCredentials + resourceIndicators). */
  resourceServers?: DevIdpResourceServer[];
  /**
   * The IdP's signing key (a private RS256 JWK with kid), instead of a fresh one: lets a test sign hostile tokens
   * with the IdP's own key (expired, wrong audience, ...). Tests only.
   */
  signingKey?: JWK;
  /**
   * Backdates every sign-in's auth_time by this many seconds, as if the person had signed in at the IdP that long
   * ago (an older single sign-on session), except a forced sign-in (prompt=login or max_age=0), which gets the
   * real time, as a real IdP would. Tests only.
   */
  authTimeAgeSeconds?: number;
}

export interface DevIdp {
  /** http://<host>:<port> */
  readonly issuer: string;
  /** The current oidc-provider instance (a new one after rotateSigningKey). */
  readonly provider: Provider;
  readonly users: DemoUser[];
  /** Adds a signing key with a new kid; tokens issued afterwards are signed with it, older keys stay published. */
  rotateSigningKey(): Promise<void>;
  /** Replaces a client's secret (a rotation at the IdP): from now on only the new secret authenticates the client. */
  setClientSecret(clientId: string, secret: string): Promise<void>;
  /** Changes a user's groups at run time (a leaver, a team change): tokens issued from now on carry the new ones. */
  setGroups(username: string, groups: readonly string[]): void;
  /**
   * Ends every IdP session of a user, as an administrator's "sign out everywhere": each client with a
   * backchannel_logout_uri gets a real logout token (oidc-provider's own), then the sessions and their grants
   * (refresh tokens included) are destroyed. Returns how many logout tokens the clients accepted.
   * `backchannel: false` (tests): no logout tokens; the grants just vanish, so a refresh is refused (invalid_grant).
   */
  endSessions(username: string, opts?: { backchannel?: boolean }): Promise<number>;
  /** Successful refresh_token grants so far (tests count how often refresh tokens were redeemed). */
  refreshGrants(): number;
  close(): Promise<void>;
}
