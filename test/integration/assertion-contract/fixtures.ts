/**
 * The fixture set the Python tests (integrations/airflow/tests) verify against: assertions minted by the
 * gateway's own code, the JWKS before and after a key rotation, and hostile tokens each with the refusal
 * (error code, reason) the Python verifier must give.
 */
import type { JWK } from 'jose';
import type { Identity } from '../../../src/identity/index.ts';
import { ANONYMOUS_CALLER, DAG_METADATA_READER } from '../../../src/proxy/index.ts';
import {
  AGENT,
  AGENT_OF_PERSON,
  ASSERTION_VERSION,
  AUDIENCE,
  ISSUER,
  KeyRing,
  PERSON,
  PERSON_TOKEN,
  SERVICE,
  SERVICE_ACCOUNT_TOKEN,
  TTL_MS,
  VIEWER,
  algNone,
  baseClaims,
  hs256WithPublicKey,
  mintAssertion,
  signWithRing,
  tamperedPayload,
} from './mint.ts';

export interface ExpectedIdentity {
  sub: string;
  username: string;
  email: string | null;
  name: string | null;
  groups: string[];
  roles: string[];
  sid: string;
  amr: string[];
  kind: string;
  /** Machine callers (optional claims): the token's name, the service account, the owning person. */
  token_name: string | null;
  service_account: string | null;
  act: { sub: string; preferred_username: string } | null;
}

export interface FixtureSet {
  contract_version: number;
  issuer: string;
  audience: string;
  ttl_seconds: number;
  /** The gateway's JWKS before rotation (key A). */
  jwks: { keys: JWK[] };
  /** After the next key (B) was published: A and B. */
  jwks_rotated: { keys: JWK[] };
  valid: Record<string, { token: string; expect: ExpectedIdentity }>;
  /** Signed with key B, which only jwks_rotated lists. */
  rotated: { token: string; kid: string; expect: ExpectedIdentity };
  hostile: Record<string, { token: string; code: string; reason: string }>;
  /** Expired 5 s before it was written: accepted with a 60 s leeway, refused with none. */
  recently_expired: { token: string; expired_at: number };
  /** Callers the gateway speaks for itself (docs/assertion-contract.md, "Gateway principals"). */
  gateway_principals: {
    /** An allow-listed request forwarded without a signed-in caller: `anonymous: true`. */
    anonymous: { token: string; expect: ExpectedIdentity & { anonymous: true } };
    /** The DAG metadata reader (policy.dag_metadata): a service with the Viewer role. */
    dag_metadata_reader: { token: string; expect: ExpectedIdentity & { anonymous: false } };
  };
}

function expected(id: Identity, amr: string[]): ExpectedIdentity {
  return {
    sub: id.sub,
    username: id.username,
    email: id.email ?? null,
    name: id.name ?? null,
    groups: [...id.groups],
    roles: [...id.roles],
    sid: id.sessionId ?? id.tokenId ?? '',
    amr,
    kind: id.kind,
    token_name: id.machine?.tokenName ?? null,
    service_account: id.machine?.serviceAccount ?? null,
    act: id.machine?.owner && id.machine.owner.sub !== id.sub ? { sub: id.machine.owner.sub, preferred_username: id.machine.owner.username } : null,
  };
}

const INVALID = 'AIRLOCK_AIRFLOW_ASSERTION_INVALID';
const EXPIRED = 'AIRLOCK_AIRFLOW_ASSERTION_EXPIRED';
const VERSION = 'AIRLOCK_AIRFLOW_ASSERTION_VERSION';
const KEY_UNKNOWN = 'AIRLOCK_AIRFLOW_KEY_UNKNOWN';
const MISSING = 'AIRLOCK_AIRFLOW_ASSERTION_MISSING';

export async function buildFixtures(now: number = Date.now()): Promise<FixtureSet> {
  const ringA = await KeyRing.generateEphemeral();
  const ringB = await KeyRing.generateEphemeral();
  const stranger = await KeyRing.generateEphemeral();
  const mint = (identity: Identity, over: { issuer?: string; audience?: string; now?: number; ring?: KeyRing } = {}) =>
    mintAssertion(over.ring ?? ringA, {
      issuer: over.issuer ?? ISSUER,
      audience: over.audience ?? AUDIENCE,
      identity,
      ttlMs: TTL_MS,
      now: over.now ?? now,
    });

  const person = await mint(PERSON);
  const base = await baseClaims(ringA, now);
  const iat = Math.floor(now / 1000);
  const withClaims = (patch: Record<string, unknown>, drop: string[] = []) => {
    const claims: Record<string, unknown> = { ...base, jti: `${String(base.jti)}-${Object.keys(patch).join('-')}`, ...patch };
    for (const name of drop) delete claims[name];
    return signWithRing(ringA, claims);
  };
  const publicA = ringA.jwks().keys[0];
  if (!publicA) throw new TypeError('ephemeral ring has no key');

  const rotatedToken = await mint(PERSON, { ring: ringB });
  const kidB = ringB.jwks().keys[0]?.kid;
  if (typeof kidB !== 'string') throw new TypeError('ring B has no key');

  return {
    contract_version: ASSERTION_VERSION,
    issuer: ISSUER,
    audience: AUDIENCE,
    ttl_seconds: TTL_MS / 1000,
    jwks: ringA.jwks(),
    jwks_rotated: { keys: [...ringA.jwks().keys, ...ringB.jwks().keys] },
    valid: {
      person_webauthn: { token: person, expect: expected(PERSON, ['oidc', 'webauthn']) },
      viewer_idp_mfa: { token: await mint(VIEWER), expect: expected(VIEWER, ['oidc', 'idp_mfa']) },
      service_token: { token: await mint(SERVICE), expect: expected(SERVICE, ['token']) },
      agent_custom_role: { token: await mint(AGENT), expect: expected(AGENT, ['token']) },
      service_account_token: { token: await mint(SERVICE_ACCOUNT_TOKEN), expect: expected(SERVICE_ACCOUNT_TOKEN, ['token']) },
      agent_of_person: { token: await mint(AGENT_OF_PERSON), expect: expected(AGENT_OF_PERSON, ['token']) },
      person_token: { token: await mint(PERSON_TOKEN), expect: expected(PERSON_TOKEN, ['token']) },
    },
    recently_expired: {
      token: await mint(PERSON, { now: now - TTL_MS - 5_000 }),
      expired_at: Math.floor((now - TTL_MS - 5_000) / 1000) + TTL_MS / 1000,
    },
    rotated: { token: rotatedToken, kid: kidB, expect: expected(PERSON, ['oidc', 'webauthn']) },
    gateway_principals: {
      anonymous: { token: await mint(ANONYMOUS_CALLER), expect: { ...expected(ANONYMOUS_CALLER, []), anonymous: true } },
      dag_metadata_reader: { token: await mint(DAG_METADATA_READER), expect: { ...expected(DAG_METADATA_READER, []), anonymous: false } },
    },
    hostile: {
      empty: { token: '', code: MISSING, reason: 'missing' },
      not_a_jwt: { token: 'hello.world', code: INVALID, reason: 'format' },
      expired: { token: await mint(PERSON, { now: now - 2 * TTL_MS }), code: EXPIRED, reason: 'exp' },
      wrong_aud: { token: await mint(PERSON, { audience: 'staging' }), code: INVALID, reason: 'aud' },
      wrong_iss: { token: await mint(PERSON, { issuer: 'https://evil.example.com' }), code: INVALID, reason: 'iss' },
      alg_none: { token: algNone(person), code: INVALID, reason: 'alg' },
      hs256_public_key: { token: hs256WithPublicKey(person, publicA), code: INVALID, reason: 'alg' },
      unknown_kid: { token: await mint(PERSON, { ring: stranger }), code: KEY_UNKNOWN, reason: 'kid_unknown' },
      tampered_payload: { token: tamperedPayload(person), code: INVALID, reason: 'signature' },
      missing_version: { token: await withClaims({}, ['airlock_ver']), code: VERSION, reason: 'version_missing' },
      unknown_version: { token: await withClaims({ airlock_ver: 2 }), code: VERSION, reason: 'version_unknown' },
      version_as_string: { token: await withClaims({ airlock_ver: '1' }), code: VERSION, reason: 'version_unknown' },
      ttl_too_long: { token: await withClaims({ iat, exp: iat + 600 }), code: INVALID, reason: 'ttl' },
      iat_in_future: { token: await withClaims({ iat: iat + 600, exp: iat + 800 }), code: INVALID, reason: 'iat_future' },
      aud_as_list: { token: await withClaims({ aud: [AUDIENCE, 'staging'] }), code: INVALID, reason: 'claims' },
      roles_not_a_list: { token: await withClaims({ roles: 'Admin' }), code: INVALID, reason: 'claims' },
      unknown_kind: { token: await withClaims({ kind: 'root' }), code: INVALID, reason: 'claims' },
      act_not_an_object: { token: await withClaims({ kind: 'service', act: 'ada' }), code: INVALID, reason: 'claims' },
      act_without_sub: { token: await withClaims({ kind: 'service', act: { preferred_username: 'ada' } }), code: INVALID, reason: 'claims' },
      token_name_not_a_string: { token: await withClaims({ kind: 'service', token_name: 7 }), code: INVALID, reason: 'claims' },
      missing_sub: { token: await withClaims({}, ['sub']), code: INVALID, reason: 'claims' },
      // `anonymous` is only ever `true`, and then names nobody: a service with no groups and no roles
      anonymous_with_roles: { token: await withClaims({ anonymous: true, kind: 'service', amr: [], groups: [], roles: ['Admin'] }), code: INVALID, reason: 'claims' },
      anonymous_with_groups: { token: await withClaims({ anonymous: true, kind: 'service', amr: [], groups: ['airflow-admins'], roles: [] }), code: INVALID, reason: 'claims' },
      anonymous_person: { token: await withClaims({ anonymous: true, kind: 'person', groups: [], roles: [] }), code: INVALID, reason: 'claims' },
      anonymous_false: { token: await withClaims({ anonymous: false }), code: INVALID, reason: 'claims' },
      anonymous_as_string: { token: await withClaims({ anonymous: 'true', kind: 'service', groups: [], roles: [] }), code: INVALID, reason: 'claims' },
      missing_username: { token: await withClaims({}, ['preferred_username']), code: INVALID, reason: 'claims' },
      jku_header: {
        token: await signWithRing(ringA, base, { jku: 'https://evil.example.com/jwks.json' }),
        code: INVALID,
        reason: 'header',
      },
    },
  };
}
