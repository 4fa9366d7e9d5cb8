/**
 * The fixture set the Python tests (integrations/airflow/tests) verify against: assertions minted by the
 * gateway's own code, the JWKS before and after a key rotation, and hostile tokens each with the refusal
 * (error code, reason) the Python verifier must give.
 */
import type { JWK } from 'jose';
import type { Identity } from '../../../src/identity/index.ts';
import {
  AGENT,
  ASSERTION_VERSION,
  AUDIENCE,
  ISSUER,
  KeyRing,
  PERSON,
  SERVICE,
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
    },
    recently_expired: {
      token: await mint(PERSON, { now: now - TTL_MS - 5_000 }),
      expired_at: Math.floor((now - TTL_MS - 5_000) / 1000) + TTL_MS / 1000,
    },
    rotated: { token: rotatedToken, kid: kidB, expect: expected(PERSON, ['oidc', 'webauthn']) },
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
      missing_sub: { token: await withClaims({}, ['sub']), code: INVALID, reason: 'claims' },
      missing_username: { token: await withClaims({}, ['preferred_username']), code: INVALID, reason: 'claims' },
      jku_header: {
        token: await signWithRing(ringA, base, { jku: 'https://evil.example.com/jwks.json' }),
        code: INVALID,
        reason: 'header',
      },
    },
  };
}
