import { createRemoteJWKSet, type JWTVerifyGetKey } from 'jose';
import { isLoopbackHostname } from './loopback.ts';
import type { AirlockConfig, MachineIssuerConfig } from '../config/index.ts';
import { JwksUnavailable } from './errors.ts';
import { globToRegExp, scopeLayer, type ScopeLayer } from './scope.ts';

export interface CompiledServiceAccount {
  readonly name: string;
  /** The Airflow username of the service account ("svc:<name>"): FAB user, log.owner. */
  readonly username: string;
  readonly role: string;
  readonly description: string | undefined;
  /** Its ceiling: envs, DAG globs, actions. */
  readonly layer: ScopeLayer;
}

export interface CompiledIssuer {
  readonly issuer: string;
  /** The issuer's settings as JSON: an unchanged issuer keeps its JWKS cache across reloads. */
  readonly fingerprint: string;
  readonly audiences: readonly string[];
  readonly algorithms: readonly string[];
  readonly typ: string | undefined;
  /** Seconds. */
  readonly clockTolerance: number;
  /** Seconds; undefined = not checked. */
  readonly maxAge: number | undefined;
  readonly subjectClaim: string;
  readonly rules: readonly { readonly claims: readonly { readonly name: string; readonly res: readonly RegExp[] }[]; readonly serviceAccount: string }[];
  /** The key resolver (jose remote JWKS: cached, refetched on an unknown kid at most once per cooldown). */
  keys(): Promise<JWTVerifyGetKey>;
}

/** Everything token and workload requests need from one config snapshot. */
export interface CompiledTokens {
  readonly maxTtl: number;
  readonly defaultTtl: number;
  readonly allowedActions: readonly string[];
  readonly rate: { readonly perSecond: number; readonly burst: number };
  readonly serviceAccounts: ReadonlyMap<string, CompiledServiceAccount>;
  /** By exact `iss`. */
  readonly issuers: ReadonlyMap<string, CompiledIssuer>;
}

export const SERVICE_ACCOUNT_PREFIX = 'svc:';

export function compileTokens(cfg: AirlockConfig, previous?: CompiledTokens): CompiledTokens {
  const t = cfg.tokens;
  const accounts = new Map<string, CompiledServiceAccount>();
  for (const [name, sa] of Object.entries(t.service_accounts)) {
    const layer = scopeLayer('service_account', `service account "${name}"`, { envs: sa.envs ?? ['*'], dags: sa.dags ?? ['*'], actions: sa.actions ?? t.allowed_actions });
    accounts.set(name, Object.freeze({ name, username: `${SERVICE_ACCOUNT_PREFIX}${name}`, role: sa.role, description: sa.description, layer }));
  }
  const issuers = new Map<string, CompiledIssuer>();
  for (const ic of cfg.machine_issuers) {
    const fingerprint = JSON.stringify(ic);
    const old = previous?.issuers.get(ic.issuer);
    issuers.set(ic.issuer, old && old.fingerprint === fingerprint ? old : compileIssuer(ic, fingerprint));
  }
  return Object.freeze({
    maxTtl: t.max_ttl,
    defaultTtl: t.default_ttl,
    allowedActions: Object.freeze([...t.allowed_actions]),
    rate: Object.freeze({ perSecond: t.rate_limit.per_second, burst: t.rate_limit.burst }),
    serviceAccounts: accounts,
    issuers,
  });
}

function compileIssuer(ic: MachineIssuerConfig, fingerprint: string): CompiledIssuer {
  let resolver: Promise<JWTVerifyGetKey> | undefined;
  const remote = (url: string) =>
    createRemoteJWKSet(new URL(url), { timeoutDuration: ic.timeout, cacheMaxAge: ic.jwks_cache, cooldownDuration: ic.jwks_cooldown });
  return Object.freeze({
    issuer: ic.issuer,
    fingerprint,
    audiences: Object.freeze([...ic.audiences]),
    algorithms: Object.freeze([...ic.algorithms]),
    typ: ic.typ,
    clockTolerance: Math.floor(ic.clock_tolerance / 1000),
    maxAge: ic.max_age === undefined ? undefined : Math.floor(ic.max_age / 1000),
    subjectClaim: ic.subject_claim,
    rules: Object.freeze(
      ic.map.map((m) => ({
        claims: Object.entries(m.claims).map(([name, values]) => ({ name, res: values.map(globToRegExp) })),
        serviceAccount: m.service_account,
      })),
    ),
    keys() {
      if (ic.jwks_uri !== undefined) return (resolver ??= Promise.resolve(remote(ic.jwks_uri)));
      resolver ??= discoverJwksUri(ic).then(remote, (err: unknown) => {
        resolver = undefined; // retried on the next token
        throw err;
      });
      return resolver;
    },
  });
}

/** jwks_uri from the issuer's discovery document (its `issuer` must be the configured one; https unless localhost dev). */
async function discoverJwksUri(ic: MachineIssuerConfig): Promise<string> {
  const url = `${ic.issuer.replace(/\/+$/, '')}/.well-known/openid-configuration`;
  let doc: { issuer?: unknown; jwks_uri?: unknown };
  try {
    const res = await fetch(url, { signal: AbortSignal.timeout(ic.timeout), redirect: 'error', headers: { accept: 'application/json' } });
    if (!res.ok) throw new Error(`discovery answered ${res.status}`);
    doc = (await res.json()) as typeof doc;
  } catch (cause) {
    throw JwksUnavailable.create({ cause, logMessage: `machine issuer ${ic.issuer}: discovery failed` });
  }
  if (doc?.issuer !== ic.issuer || typeof doc.jwks_uri !== 'string') {
    throw JwksUnavailable.create({ logMessage: `machine issuer ${ic.issuer}: discovery document names another issuer or no jwks_uri` });
  }
  let u: URL;
  try {
    u = new URL(doc.jwks_uri);
  } catch (cause) {
    throw JwksUnavailable.create({ cause, logMessage: `machine issuer ${ic.issuer}: jwks_uri is not a URL` });
  }
  if (u.protocol !== 'https:' && !(u.protocol === 'http:' && ic.allow_insecure_http && isLoopbackHostname(u.hostname))) {
    throw JwksUnavailable.create({ logMessage: `machine issuer ${ic.issuer}: jwks_uri must be https` });
  }
  return u.href;
}
