import { importPKCS8 } from 'jose';
import * as oidc from 'openid-client';
import type { IdpConfig } from '../config/index.ts';
import { AirlockError } from '../errors/index.ts';
import { checkResponseIssuer } from './response-issuer.ts';
import { resolveDistributedGroups } from './distributed-groups.ts';
import { IdpUnavailable, IdTokenInvalid, IssuerMismatch, LoginStateInvalid } from './errors.ts';
import { checkIssuedAt } from './id-token-times.ts';
import { IdTokenSignature } from './id-token-signature.ts';
import { refreshAtIdp, type RefreshResult } from './refresh.ts';
import { safeCause } from './safe-cause.ts';
import { translateOidcError, type LoginStage } from './translate-error.ts';

export interface AuthorizationStart {
  readonly url: string;
  readonly state: string;
  readonly nonce: string;
  readonly codeVerifier: string;
}

export interface LoginResult {
  readonly idClaims: Record<string, unknown>;
  readonly userinfo: Record<string, unknown> | undefined;
  readonly idToken: string;
  /** Claims read from distributed claim sources at sign-in (the groups claim), to merge after userinfo. */
  readonly resolvedClaims?: Record<string, unknown>;
  /** The IdP's refresh token, when it issued one (session refresh, refresh.ts). Never logged. */
  readonly refreshToken?: string;
}

/** How long a successful reachability probe of the IdP is trusted. */
const REACHABLE_TRUST_MS = 1_000;

/**
 * The OpenID Connect relying party (openid-client v6, certified). Discovery happens in the background
 * and is retried, so an unreachable IdP never stops the gateway: live sessions keep working and
 * new logins get a clear 503 until the metadata loads.
 */
export class RelyingParty {
  #config: oidc.Configuration | undefined;
  #signature: IdTokenSignature | undefined;
  #reachableUntil = 0;
  #probing: Promise<void> | undefined;
  #loading: Promise<oidc.Configuration> | undefined;
  #lastError: unknown;
  readonly redirectUri: string;

  constructor(private readonly idp: IdpConfig, publicUrl: string) {
    this.redirectUri = `${publicUrl}/.airlock/callback`;
  }

  get ready(): boolean {
    return this.#config !== undefined;
  }

  get lastError(): unknown {
    return this.#lastError;
  }

  /** Loads the IdP metadata (once; concurrent callers share the attempt). */
  async configuration(): Promise<oidc.Configuration> {
    if (this.#config) return this.#config;
    this.#loading ??= this.#discover().then(
      (c) => {
        this.#signature = new IdTokenSignature(c.serverMetadata(), this.idp.timeout);
        this.#config = c;
        this.#loading = undefined;
        return c;
      },
      (err) => {
        this.#lastError = err;
        this.#loading = undefined;
        throw discoveryError(err, this.#discoveryUrl(), this.idp.issuer);
      },
    );
    return this.#loading;
  }

  /**
   * Throws AIRLOCK_IDENTITY_IDP_UNAVAILABLE unless the IdP answers its discovery URL right now (a success
   * is trusted for a second; concurrent callers share one probe). Cached metadata says nothing about
   * whether the IdP is up, so login starts and readiness checks ask this.
   */
  async checkReachable(): Promise<void> {
    if (this.#reachableUntil > Date.now()) return;
    this.#probing ??= this.#probe().finally(() => {
      this.#probing = undefined;
    });
    return this.#probing;
  }

  async #probe(): Promise<void> {
    const url = this.#discoveryUrl();
    let res: Response;
    try {
      res = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(this.idp.timeout), headers: { accept: 'application/json' } });
      await res.arrayBuffer();
    } catch (err) {
      this.#lastError = err;
      throw IdpUnavailable.create({ cause: err, logMessage: `IdP unreachable at ${url.href}: ${describe(err)}` });
    }
    if (res.status !== 200) {
      throw IdpUnavailable.create({ logMessage: `IdP answered ${res.status} at ${url.href}` });
    }
    this.#reachableUntil = Date.now() + REACHABLE_TRUST_MS;
  }

  #discoveryUrl(): URL {
    if (this.idp.discovery_url) return new URL(this.idp.discovery_url);
    const issuer = new URL(this.idp.issuer);
    issuer.pathname = `${issuer.pathname.replace(/\/$/, '')}/.well-known/openid-configuration`;
    return issuer;
  }

  async startLogin(extra: Record<string, string> = {}): Promise<AuthorizationStart> {
    const config = await this.configuration();
    // a login sends the browser to the IdP: when it is down, say so here (503) instead of a dead page there
    await this.checkReachable();
    const codeVerifier = oidc.randomPKCECodeVerifier();
    const state = oidc.randomState();
    const nonce = oidc.randomNonce();
    const url = oidc.buildAuthorizationUrl(config, {
      ...this.idp.auth_params,
      ...extra,
      redirect_uri: this.redirectUri,
      response_type: 'code',
      scope: this.idp.scopes.join(' '),
      state,
      nonce,
      code_challenge: await oidc.calculatePKCECodeChallenge(codeVerifier),
      code_challenge_method: 'S256',
    });
    return { url: url.href, state, nonce, codeVerifier };
  }

  /** Exchanges the code and verifies everything; throws an AirlockError for any failure. */
  async finishLogin(callbackUrl: URL, checks: { state: string; nonce: string; codeVerifier: string }): Promise<LoginResult> {
    const config = await this.configuration();
    let stage: LoginStage = 'authorization';
    try {
      // RFC 9207 first (openid-client checks it too, but its error cannot be told apart from other comparisons)
      checkResponseIssuer(config.serverMetadata(), callbackUrl.searchParams);
      const params = callbackUrl.searchParams;
      if (!params.has('error') && params.getAll('code').length !== 1) {
        throw LoginStateInvalid.create({ logMessage: 'callback without exactly one code parameter (and no error)' });
      }
      stage = 'token';
      const tokens = await oidc.authorizationCodeGrant(config, callbackUrl, {
        pkceCodeVerifier: checks.codeVerifier,
        expectedState: checks.state,
        expectedNonce: checks.nonce,
        idTokenExpected: true,
      });
      const idClaims = tokens.claims();
      if (!idClaims || !tokens.id_token) throw IdTokenInvalid.create({ logMessage: 'ID token check "id_token" failed: the token response has no ID token', details: { check: 'id_token' } });
      // openid-client validated the claims; the signature is checked here so that an unknown kid
      // (the IdP rotated its key) refetches the JWKS at once instead of failing for up to a minute
      await this.#signature!.verify(tokens.id_token);
      // openid-client checks only the type of iat: not in the future, not absurdly old
      checkIssuedAt(idClaims, Date.now(), this.idp.clock_tolerance);
      let userinfo: Record<string, unknown> | undefined;
      if (this.idp.userinfo && config.serverMetadata().userinfo_endpoint) {
        stage = 'userinfo';
        userinfo = { ...(await oidc.fetchUserInfo(config, tokens.access_token, idClaims.sub)) };
      }
      const resolvedClaims = await resolveDistributedGroups(idClaims, userinfo, tokens.access_token, this.idp);
      return { idClaims: { ...idClaims }, userinfo, idToken: tokens.id_token, ...(resolvedClaims ? { resolvedClaims } : {}), ...(tokens.refresh_token ? { refreshToken: tokens.refresh_token } : {}) };
    } catch (err) {
      throw translateOidcError(err, stage);
    }
  }

  /** Redeems a session's refresh token and re-reads its claims (see refresh.ts); throws the login's AirlockErrors. */
  async refresh(refreshToken: string, expectedSub: string | undefined): Promise<RefreshResult> {
    const config = await this.configuration();
    return refreshAtIdp(config, this.#signature!, this.idp, refreshToken, expectedSub);
  }

  /** The IdP logout URL, when the IdP has an end_session_endpoint. */
  endSessionUrl(idTokenHint: string | undefined, postLogoutRedirectUri: string): string | undefined {
    const config = this.#config;
    if (!config?.serverMetadata().end_session_endpoint) return undefined;
    const params: Record<string, string> = { post_logout_redirect_uri: postLogoutRedirectUri, client_id: this.idp.client_id };
    if (idTokenHint) params.id_token_hint = idTokenHint;
    return oidc.buildEndSessionUrl(config, params).href;
  }

  async #discover(): Promise<oidc.Configuration> {
    const idp = this.idp;
    const server = new URL(idp.discovery_url ?? idp.issuer);
    const clientAuth = await this.#clientAuth();
    const metadata: Partial<oidc.ClientMetadata> = {
      redirect_uris: [this.redirectUri],
      response_types: ['code'],
      token_endpoint_auth_method: idp.token_endpoint_auth_method,
      [oidc.clockTolerance]: idp.clock_tolerance,
    };
    const execute: Array<(c: oidc.Configuration) => void> = [];
    if (idp.allow_insecure_http) execute.push(oidc.allowInsecureRequests);
    const config = await oidc.discovery(server, idp.client_id, metadata, clientAuth, { execute, timeout: Math.ceil(idp.timeout / 1000) });
    const discoveredIssuer = config.serverMetadata().issuer;
    if (idp.discovery_url && discoveredIssuer !== idp.issuer) throw issuerMismatch(server, discoveredIssuer, idp.issuer);
    config.timeout = Math.ceil(idp.timeout / 1000);
    return config;
  }

  async #clientAuth(): Promise<oidc.ClientAuth> {
    const idp = this.idp;
    switch (idp.token_endpoint_auth_method) {
      case 'client_secret_basic':
        return oidc.ClientSecretBasic(idp.client_secret!.reveal());
      case 'client_secret_post':
        return oidc.ClientSecretPost(idp.client_secret!.reveal());
      case 'private_key_jwt': {
        const key = await importPKCS8(idp.private_key!.reveal(), idp.private_key_alg);
        return oidc.PrivateKeyJwt(idp.private_key_kid ? { key, kid: idp.private_key_kid } : key);
      }
    }
  }
}

/**
 * A discovery failure: a discovery document naming another issuer than idp.issuer is a configuration error
 * (AIRLOCK_IDENTITY_ISSUER_MISMATCH; openid-client reports it with code OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED and
 * attribute "issuer" when discovery_url is not set); anything else means the IdP cannot be used right now.
 */
function discoveryError(err: unknown, url: URL, configured: string): AirlockError {
  if (err instanceof AirlockError) return err;
  const detail = (err as { cause?: { attribute?: unknown; body?: { issuer?: unknown } } } | null)?.cause;
  if (err instanceof oidc.ClientError && err.code === 'OAUTH_JSON_ATTRIBUTE_COMPARISON_FAILED' && detail?.attribute === 'issuer') {
    return issuerMismatch(url, detail.body?.issuer, configured);
  }
  return IdpUnavailable.create({ cause: safeCause(err), logMessage: `OIDC discovery failed: ${describe(err)}`, details: { reason: 'discovery' } });
}

function issuerMismatch(url: URL, discovered: unknown, configured: string): AirlockError {
  const shown = typeof discovered === 'string' ? JSON.stringify(discovered.slice(0, 300)) : 'no string';
  return IssuerMismatch.create({
    logMessage: `IdP configuration error: the discovery document at ${url.href} names issuer ${shown}, but idp.issuer is ${JSON.stringify(configured)}; set idp.issuer to exactly the discovered issuer (or fix idp.discovery_url)`,
    details: { reason: 'issuer_mismatch' },
  });
}

function describe(err: unknown): string {
  if (err instanceof Error) return `${err.name}: ${err.message}${err.cause instanceof Error ? ` (${err.cause.message})` : ''}`;
  return String(err);
}
