import { sameConfigValue, type AirlockConfig } from '../config/index.ts';
import { compileRoleMapper, RelyingParty, type RoleMapper } from '../identity/index.ts';
import { compilePolicy, type CompiledPolicy } from '../policy/index.ts';
import { compileEnvironments, compileTrustedProxies, Upstreams, type CompiledEnvironments, type TrustedProxies } from '../proxy/index.ts';
import { cookieSettings, type CookieSettings } from '../session/index.ts';
import { compileTokens, type CompiledTokens } from '../tokens/index.ts';

/**
 * Everything a request needs, built once per config snapshot (Pomerium style): compiled environments,
 * trusted proxies, role mapping, policy, upstream pools, cookie settings and the OIDC relying party.
 * Frozen; a reload builds a new one and swaps it in.
 */
export interface Runtime {
  readonly version: number;
  readonly config: AirlockConfig;
  readonly publicUrl: string;
  readonly publicOrigin: string;
  readonly envs: CompiledEnvironments;
  readonly trusted: TrustedProxies;
  readonly roles: RoleMapper;
  readonly policy: CompiledPolicy;
  readonly cookie: CookieSettings;
  readonly upstreams: Upstreams;
  readonly rp: RelyingParty;
  /** Login-flow cookie (browser binding), a sibling of the session cookie. */
  readonly loginCookieName: string;
  /** The gateway's cookie names, lower-case: the upstream may not set them (its Set-Cookie for one is dropped). */
  readonly protectedCookies: ReadonlySet<string>;
  /** Machine tokens and workload JWTs: limits, service accounts, issuers (an unchanged issuer keeps its JWKS cache). */
  readonly tokens: CompiledTokens;
}

export function buildRuntime(config: AirlockConfig, version: number, previous?: Runtime): Runtime {
  const cookie = cookieSettings(config.public_url, config.cookie);
  const loginCookieName = cookie.name.startsWith('__Host-') ? '__Host-airlock-login' : 'airlock-login';
  // secrets compared by value (keyed hash): their JSON form is redacted, so a rotated client secret looked unchanged
  const sameIdp = previous && sameConfigValue(previous.config.idp, config.idp) && previous.publicUrl === config.public_url;
  const rt: Runtime = {
    version,
    config,
    publicUrl: config.public_url,
    publicOrigin: new URL(config.public_url).origin,
    envs: compileEnvironments(config.environments, config.public_url),
    trusted: compileTrustedProxies(config.trusted_proxies),
    roles: compileRoleMapper(config.roles),
    policy: compilePolicy(config),
    cookie,
    upstreams: Upstreams.build(config.environments),
    rp: sameIdp ? previous.rp : new RelyingParty(config.idp, config.public_url),
    loginCookieName,
    protectedCookies: new Set([cookie.name.toLowerCase(), loginCookieName.toLowerCase()]),
    tokens: compileTokens(config, previous?.tokens),
  };
  return Object.freeze(rt);
}
