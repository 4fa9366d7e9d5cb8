import assert from 'node:assert/strict';
import { createPublicKey, type JsonWebKey } from 'node:crypto';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { exportJWK, generateKeyPair, importJWK, SignJWT, type JWK } from 'jose';
import { createDevIdp, subjectOf, type DevIdp } from '../../../demo/idp/index.ts';
import { freePort, type TestStack } from '../gateway/harness.ts';
import { assertMachineAnswer, call, lastAssertionClaims, openAdmin, signIn, tokenStack } from './support.ts';

const RESOURCE = 'https://airflow.example.test';
const MACHINE = { client_id: 'etl-ci-client', client_secret: 'etl-ci-client-secret-0123456789abcdef', redirect_uris: [], grant_types: ['client_credentials' as const] };
const UNMAPPED = { client_id: 'stranger-client', client_secret: 'stranger-client-secret-0123456789abc', redirect_uris: [], grant_types: ['client_credentials' as const] };

/** A client_credentials token from an IdP (a JWT for a resource server; opaque without one). */
async function clientCredentials(issuer: string, client: { client_id: string; client_secret: string }, resource?: string): Promise<string> {
  const res = await fetch(`${issuer}/token`, {
    method: 'POST',
    headers: { authorization: `Basic ${Buffer.from(`${client.client_id}:${client.client_secret}`).toString('base64')}`, 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ grant_type: 'client_credentials', ...(resource ? { resource, scope: 'airflow' } : {}) }),
  });
  const body = (await res.json()) as { access_token?: string };
  assert.equal(res.status, 200, JSON.stringify(body));
  return body.access_token!;
}

/**
 * IdP-issued workload tokens: a client_credentials JWT access token from the dev IdP (oidc-provider, RFC 9068 format
 * via a resource indicator) is accepted and mapped to a service account; every hostile token is refused with its
 * reason. The IdP signs with a key the test also holds, so hostile tokens can carry the IdP's own signature.
 */
describe('workload JWTs from a configured issuer', () => {
  let stack: TestStack;
  let idpKey: JWK;
  let other: DevIdp;
  let deadJwksPort: number;
  // a second issuer's key server, which counts its JWKS fetches
  let keyServer: Server;
  let keyServerUrl: string;
  let jwksFetches = 0;
  let countedKey: JWK;

  before(async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    idpKey = { ...(await exportJWK(privateKey)), kid: 'idp-key-1', alg: 'RS256', use: 'sig' };
    deadJwksPort = await freePort();
    countedKey = { ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey)), kid: 'k1', alg: 'ES256' };
    const { d: _d, ...countedPublic } = countedKey;
    keyServer = createServer((req, res) => {
      if (req.url === '/jwks') {
        jwksFetches++;
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [countedPublic] }));
      } else if (req.url === '/.well-known/openid-configuration') {
        // a discovery document that names another issuer: not trusted
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ issuer: 'https://someone-else.example.test', jwks_uri: `${keyServerUrl}/jwks` }));
      } else res.writeHead(404).end();
    });
    await new Promise<void>((r) => keyServer.listen(0, '127.0.0.1', r));
    keyServerUrl = `http://127.0.0.1:${(keyServer.address() as AddressInfo).port}`;
    stack = await tokenStack({
      idp: { signingKey: idpKey, resourceServers: [{ resource: RESOURCE }, { resource: 'https://elsewhere.example.test' }] },
      extraClients: [MACHINE, UNMAPPED],
      config: (cfg) => {
        cfg.machine_issuers = [
          {
            issuer: cfg.idp.issuer,
            audiences: [RESOURCE],
            algorithms: ['RS256', 'ES256'],
            typ: 'at+jwt',
            subject_claim: 'client_id',
            max_age: '1h',
            allow_insecure_http: true,
            jwks_cooldown: '0s',
            map: [{ claims: { client_id: 'etl-ci-client' }, service_account: 'etl-ci' }],
          },
          {
            // an issuer whose keys cannot be fetched: fail closed
            issuer: 'https://down.example.test',
            jwks_uri: `http://127.0.0.1:${deadJwksPort}/jwks`,
            audiences: [RESOURCE],
            allow_insecure_http: true,
            timeout: '1s',
            map: [{ claims: { sub: 'x' }, service_account: 'etl-ci' }],
          },
          {
            // default jwks_cache (10m) and jwks_cooldown (30s)
            issuer: 'https://counted.example.test',
            jwks_uri: `${keyServerUrl}/jwks`,
            audiences: [RESOURCE],
            allow_insecure_http: true,
            map: [{ claims: { sub: 'counted-*', team: ['etl', 'ops'] }, service_account: 'etl-ci' }],
          },
          { issuer: keyServerUrl, audiences: [RESOURCE], allow_insecure_http: true, map: [{ claims: { sub: 'x' }, service_account: 'etl-ci' }] },
        ];
      },
    });
    other = await createDevIdp({ clients: [MACHINE], resourceServers: [{ resource: RESOURCE }] });
  });
  after(async () => {
    await new Promise((r) => keyServer?.close(r));
    await other?.close();
    await stack?.close();
  });

  /** Signs claims as the dev IdP would (its own key and kid), with any header. */
  async function asIdp(claims: Record<string, unknown>, header: Record<string, unknown> = {}, key: JWK = idpKey): Promise<string> {
    const now = Math.floor(Date.now() / 1000);
    return new SignJWT({ iss: stack.idp.issuer, sub: MACHINE.client_id, client_id: MACHINE.client_id, aud: RESOURCE, iat: now, exp: now + 300, jti: `j-${Math.random()}`, ...claims })
      .setProtectedHeader({ alg: 'RS256', typ: 'at+jwt', kid: key.kid!, ...header })
      .sign(await importJWK(key, 'RS256'));
  }

  const refusedWith = async (jwt: string, status: number, code: string, reason?: string) => {
    const j = assertMachineAnswer(await call(stack, '/api/v1/dags/etl_daily/dagRuns', { method: 'POST', body: {}, headers: { authorization: `Bearer ${jwt}` } }), status, code);
    if (reason !== undefined) assert.equal(j.reason, reason, JSON.stringify(j));
    return j;
  };

  test('a client_credentials token from the dev IdP is accepted as its service account, within the account\'s scope', async () => {
    const jwt = await clientCredentials(stack.idp.issuer, MACHINE, RESOURCE);
    const before = stack.prod.received.length;
    const r = await call(stack, '/api/v1/dags/etl_daily/dagRuns', { method: 'POST', body: {}, headers: { authorization: `Bearer ${jwt}` } });
    assert.equal(r.status, 200, r.text);
    assert.equal(stack.prod.received.length, before + 1);
    const claims = lastAssertionClaims(stack.prod.received);
    assert.equal(claims.kind, 'service');
    assert.equal(claims.preferred_username, 'svc:etl-ci');
    assert.equal(claims.service_account, 'etl-ci');
    assert.equal(claims.token_name, undefined);
    assert.equal(claims.act, undefined);
    assert.match(claims.sid, /^wl_/);
    const self = assertMachineAnswer(await call(stack, '/.airlock/token/self', { headers: { authorization: `Bearer ${jwt}` } }), 200);
    assert.equal(self.credential, 'workload_jwt');
    assert.deepEqual(self.workload, { issuer: stack.idp.issuer, subject: 'etl-ci-client' });
    assert.deepEqual(self.dags, ['etl_*']);
    // the service account's ceiling holds
    const j = assertMachineAnswer(await call(stack, '/api/v1/dags/finance_monthly/dagRuns', { method: 'POST', body: {}, headers: { authorization: `Bearer ${jwt}` } }), 403, 'AIRLOCK_TOKEN_SCOPE');
    assert.match(j.reasons.at(-1).message, /^service account "etl-ci": dags \[etl_\*\] do not include DAG finance_monthly/);
  });

  test('after the IdP rotates its key, a token with the new kid verifies (one JWKS refetch)', async () => {
    await stack.idp.rotateSigningKey();
    const jwt = await clientCredentials(stack.idp.issuer, MACHINE, RESOURCE);
    assert.notEqual(JSON.parse(Buffer.from(jwt.split('.')[0]!, 'base64url').toString()).kid, idpKey.kid);
    assert.equal((await call(stack, '/api/v1/dags/etl_daily', { headers: { authorization: `Bearer ${jwt}` } })).status, 200);
  });

  test('alg "none" and HS256 signed with the IdP\'s public key are refused before any key is used', async () => {
    const good = await asIdp({});
    const [, payload] = good.split('.');
    const none = `${Buffer.from(JSON.stringify({ alg: 'none', typ: 'at+jwt' })).toString('base64url')}.${payload}.`;
    await refusedWith(none, 401, 'AIRLOCK_TOKEN_JWT_INVALID', 'alg');
    const pem = createPublicKey({ key: idpKey as JsonWebKey, format: 'jwk' }).export({ type: 'spki', format: 'pem' });
    const now = Math.floor(Date.now() / 1000);
    const hs = await new SignJWT({ iss: stack.idp.issuer, sub: MACHINE.client_id, client_id: MACHINE.client_id, aud: RESOURCE, iat: now, exp: now + 300 })
      .setProtectedHeader({ alg: 'HS256', typ: 'at+jwt', kid: idpKey.kid! })
      .sign(new TextEncoder().encode(pem as string));
    await refusedWith(hs, 401, 'AIRLOCK_TOKEN_JWT_INVALID', 'alg');
  });

  test('wrong audience, expired, not yet valid, issued in the future, wrong typ: each refused with its reason', async () => {
    await refusedWith(await clientCredentials(stack.idp.issuer, MACHINE, 'https://elsewhere.example.test'), 401, 'AIRLOCK_TOKEN_JWT_INVALID', 'aud');
    const now = Math.floor(Date.now() / 1000);
    await refusedWith(await asIdp({ iat: now - 600, exp: now - 120 }), 401, 'AIRLOCK_TOKEN_JWT_INVALID', 'exp');
    await refusedWith(await asIdp({ nbf: now + 600 }), 401, 'AIRLOCK_TOKEN_JWT_INVALID', 'nbf');
    await refusedWith(await asIdp({ iat: now + 600, exp: now + 900 }), 401, 'AIRLOCK_TOKEN_JWT_INVALID', 'iat');
    await refusedWith(await asIdp({}, { typ: 'JWT' }), 401, 'AIRLOCK_TOKEN_JWT_INVALID', 'typ');
    await refusedWith(await asIdp({ exp: undefined }), 401, 'AIRLOCK_TOKEN_JWT_INVALID', 'exp');
    await refusedWith(await asIdp({ iat: now - 7200, exp: now + 300 }), 401, 'AIRLOCK_TOKEN_JWT_INVALID', 'max_age');
  });

  test('a key the IdP never published (unknown kid) and a token claiming the IdP but signed elsewhere are refused', async () => {
    const { privateKey } = await generateKeyPair('RS256', { extractable: true });
    const rogue = { ...(await exportJWK(privateKey)), kid: 'rogue-1', alg: 'RS256' };
    await refusedWith(await asIdp({}, {}, rogue), 401, 'AIRLOCK_TOKEN_JWT_INVALID', 'kid');
    await refusedWith(await asIdp({}, {}, { ...rogue, kid: idpKey.kid }), 401, 'AIRLOCK_TOKEN_JWT_INVALID', 'signature');
    await refusedWith(await asIdp({}, { jku: 'https://evil.example/jwks' }), 401, 'AIRLOCK_TOKEN_JWT_INVALID', 'header');
  });

  test('a person\'s ID token from the dev IdP is refused as a bearer (wrong type and audience), and so is anything with a nonce', async () => {
    await signIn(stack, 'carol');
    const admin = await openAdmin(stack);
    let idToken: string;
    try {
      const row = await admin.store.db.selectFrom('sessions').select('id_token').where('sub', '=', subjectOf('carol')).orderBy('created_at', 'desc').executeTakeFirstOrThrow();
      idToken = row.id_token!;
    } finally {
      await admin.close();
    }
    assert.equal(JSON.parse(Buffer.from(idToken.split('.')[1]!, 'base64url').toString()).iss, stack.idp.issuer, 'a real ID token of the configured issuer');
    const j = await refusedWith(idToken, 401, 'AIRLOCK_TOKEN_JWT_INVALID');
    assert.ok(['typ', 'aud'].includes(j.reason), j.reason);
    await refusedWith(await asIdp({ nonce: 'n-1', sub: subjectOf('carol') }), 401, 'AIRLOCK_TOKEN_JWT_INVALID', 'id_token');
  });

  test('an opaque access token, a JWT of an unconfigured issuer, an unmapped workload, an issuer whose keys are down', async () => {
    const opaque = await clientCredentials(stack.idp.issuer, MACHINE);
    assert.ok(!opaque.includes('.'));
    assertMachineAnswer(await call(stack, '/api/v1/dags/etl_daily', { headers: { authorization: `Bearer ${opaque}` } }), 401, 'AIRLOCK_SERVER_BEARER_UNSUPPORTED');
    await refusedWith(await clientCredentials(other.issuer, MACHINE, RESOURCE), 401, 'AIRLOCK_TOKEN_JWT_ISSUER_UNKNOWN');
    const unmapped = await clientCredentials(stack.idp.issuer, UNMAPPED, RESOURCE);
    const j = await refusedWith(unmapped, 403, 'AIRLOCK_TOKEN_JWT_UNMAPPED');
    assert.equal(j.subject, 'stranger-client');
    await refusedWith(await asIdp({ iss: 'https://down.example.test', sub: 'x' }), 503, 'AIRLOCK_TOKEN_JWKS_UNAVAILABLE');
  });

  test('the JWKS is cached, and unknown kids do not refetch it within the cooldown; a discovery naming another issuer is not trusted', async () => {
    const now = Math.floor(Date.now() / 1000);
    const sign = async (kid: string, key: JWK, sub = 'counted-nightly', team = 'etl') =>
      new SignJWT({ iss: 'https://counted.example.test', sub, team, aud: RESOURCE, iat: now, exp: now + 300 }).setProtectedHeader({ alg: 'ES256', kid }).sign(await importJWK(key, 'ES256'));
    for (let i = 0; i < 3; i++) assert.equal((await call(stack, '/api/v1/dags/etl_daily', { headers: { authorization: `Bearer ${await sign('k1', countedKey)}` } })).status, 200);
    assert.equal(jwksFetches, 1, 'one fetch for three tokens');
    const rogue = { ...(await exportJWK((await generateKeyPair('ES256', { extractable: true })).privateKey)), alg: 'ES256' };
    for (const kid of ['forged-a', 'forged-b', 'forged-c']) await refusedWith(await sign(kid, rogue), 401, 'AIRLOCK_TOKEN_JWT_INVALID', 'kid');
    assert.equal(jwksFetches, 1, 'forged kids within the cooldown fetch nothing');
    // claim rules: globs and lists, every claim must match
    await refusedWith(await sign('k1', countedKey, 'counted-nightly', 'finance'), 403, 'AIRLOCK_TOKEN_JWT_UNMAPPED');
    await refusedWith(await sign('k1', countedKey, 'nightly', 'ops'), 403, 'AIRLOCK_TOKEN_JWT_UNMAPPED');
    assert.equal((await call(stack, '/api/v1/dags/etl_daily', { headers: { authorization: `Bearer ${await sign('k1', countedKey, 'counted-x', 'ops')}` } })).status, 200);
    const viaDiscovery = await new SignJWT({ iss: keyServerUrl, sub: 'x', aud: RESOURCE, iat: now, exp: now + 300 }).setProtectedHeader({ alg: 'ES256', kid: 'k1' }).sign(await importJWK(countedKey, 'ES256'));
    await refusedWith(viaDiscovery, 503, 'AIRLOCK_TOKEN_JWKS_UNAVAILABLE');
  });
});
