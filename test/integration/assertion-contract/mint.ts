/**
 * Assertions for the contract tests: real ones minted by the gateway's own code, and hostile ones
 * built with jose or by editing tokens by hand. Shared by contract.test.ts and write-fixtures.ts.
 */
import { createHmac, createPublicKey, type JsonWebKey } from 'node:crypto';
import { SignJWT, decodeProtectedHeader, type JWK } from 'jose';
import type { Identity } from '../../../src/identity/index.ts';
import { KeyRing } from '../../../src/keys/index.ts';
import { ASSERTION_VERSION, mintAssertion } from '../../../src/proxy/index.ts';

export { ASSERTION_VERSION, mintAssertion, KeyRing };

export const ISSUER = 'https://airflow.example.com';
export const AUDIENCE = 'prod';
export const TTL_MS = 300_000;

export const PERSON: Identity = {
  kind: 'person',
  sub: '00u1abcd',
  username: 'ada',
  email: 'ada@example.com',
  name: 'Ada Lovelace',
  groups: ['airflow-admins', 'data-eng'],
  roles: ['Admin', 'User'],
  sessionId: 'sess-7Qx2',
  mfa: { method: 'webauthn', at: Date.now() - 1000, credentialId: 'cred-1' },
};

export const VIEWER: Identity = {
  kind: 'person',
  sub: '00u2efgh',
  username: 'grace',
  email: 'grace@example.com',
  name: 'Grace',
  groups: ['analysts'],
  roles: ['Viewer'],
  sessionId: 'sess-Hk39',
  mfa: { method: 'idp', at: Date.now() - 5000 },
};

export const SERVICE: Identity = {
  kind: 'service',
  sub: 'svc:etl-loader',
  username: 'etl-loader',
  email: undefined,
  name: undefined,
  groups: [],
  roles: ['Op'],
  tokenId: 'tok-4f2a',
  mfa: { method: 'none' },
};

export const AGENT: Identity = {
  kind: 'agent',
  sub: 'agent:triage-bot',
  username: 'triage-bot',
  email: undefined,
  name: 'Triage Bot',
  groups: ['bots'],
  roles: ['finance_reader'],
  tokenId: 'tok-9c1d',
  mfa: { method: 'none' },
};

/** A service account's Airlock token, owned by a person (token name, service account and `act` claims). */
export const SERVICE_ACCOUNT_TOKEN: Identity = {
  kind: 'service',
  sub: 'svc:etl-ci',
  username: 'svc:etl-ci',
  email: undefined,
  name: undefined,
  groups: [],
  roles: ['User'],
  tokenId: 'tok_Q2x9aB7cD3eF',
  machine: { tokenName: 'etl-ci-main', serviceAccount: 'etl-ci', owner: { sub: '00u1abcd', username: 'ada' } },
  mfa: { method: 'none' },
};

/** An agent acting for a person: its own name, the person's roles, the person in `act`. */
export const AGENT_OF_PERSON: Identity = {
  kind: 'agent',
  sub: 'agent:triage-bot',
  username: 'agent:triage-bot',
  email: undefined,
  name: undefined,
  groups: ['data-eng'],
  roles: ['User'],
  tokenId: 'tok_Zz81kLm0pQrS',
  machine: { tokenName: 'triage-bot', owner: { sub: '00u2efgh', username: 'grace' } },
  mfa: { method: 'none' },
};

/** A person's own token: the person is the subject (no `act`), the token name rides along. */
export const PERSON_TOKEN: Identity = {
  kind: 'person',
  sub: '00u2efgh',
  username: 'grace',
  email: 'grace@example.com',
  name: 'Grace',
  groups: ['analysts'],
  roles: ['Viewer'],
  tokenId: 'tok_Pp12QrSt34Uv',
  machine: { tokenName: 'grace-laptop', owner: { sub: '00u2efgh', username: 'grace' } },
  mfa: { method: 'none' },
};

const b64 = (value: unknown): string => Buffer.from(JSON.stringify(value)).toString('base64url');

export function decodePart(token: string, index: 0 | 1): Record<string, unknown> {
  const part = token.split('.')[index];
  if (part === undefined) throw new TypeError('not a compact JWS');
  return JSON.parse(Buffer.from(part, 'base64url').toString('utf8')) as Record<string, unknown>;
}

/** Claims the gateway would put in an assertion for PERSON, to build variants from. */
export async function baseClaims(ring: KeyRing, now: number): Promise<Record<string, unknown>> {
  return decodePart(await mintAssertion(ring, { issuer: ISSUER, audience: AUDIENCE, identity: PERSON, ttlMs: TTL_MS, now }), 1);
}

/** Signs arbitrary claims with the ring's current key (the way the gateway signs, any content). */
export async function signWithRing(ring: KeyRing, claims: Record<string, unknown>, header: Record<string, unknown> = {}): Promise<string> {
  const key = ring.current();
  return new SignJWT(claims).setProtectedHeader({ alg: 'ES256', typ: 'JWT', kid: key.kid, ...header }).sign(key.privateKey);
}

export function algNone(token: string): string {
  const header = { ...decodePart(token, 0), alg: 'none' };
  const [, payload] = token.split('.');
  return `${b64(header)}.${payload}.`;
}

/** HS256 with the gateway's public key (PEM, as a naive verifier would load it) as the HMAC secret. */
export function hs256WithPublicKey(token: string, jwk: JWK): string {
  const pem = createPublicKey({ key: jwk as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' }).toString();
  const header = { ...decodePart(token, 0), alg: 'HS256' };
  const [, payload] = token.split('.');
  const input = `${b64(header)}.${payload}`;
  return `${input}.${createHmac('sha256', pem).update(input).digest('base64url')}`;
}

/** Same signature, different payload: roles raised to Admin. */
export function tamperedPayload(token: string): string {
  const [header, , signature] = token.split('.');
  const claims = { ...decodePart(token, 1), roles: ['Admin'], preferred_username: 'mallory' };
  return `${header}.${b64(claims)}.${signature}`;
}

export function kidOf(token: string): string {
  const kid = decodeProtectedHeader(token).kid;
  if (typeof kid !== 'string') throw new TypeError('token has no kid');
  return kid;
}
