import { createServer } from 'node:http';
import { randomUUID } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { exportJWK, generateKeyPair, SignJWT, type JWTPayload, type CryptoKey } from 'jose';

export interface TestAssertionSigner {
  /** URL of a real JWKS endpoint serving the public key. */
  readonly jwksUrl: string;
  readonly kid: string;
  /** Signs an X-Airlock-Assertion-shaped ES256 JWT; override anything through `claims` / `opts`. */
  sign(claims: JWTPayload, opts?: { issuer?: string; audience?: string; ttlSeconds?: number; kid?: string; iatOffsetSeconds?: number }): Promise<string>;
  close(): Promise<void>;
}

/** A test signer for gateway-style assertions, with its JWKS served over HTTP (tests use real jose verification). */
export async function startTestAssertionSigner(defaults: { issuer: string; audience: string }): Promise<TestAssertionSigner> {
  const { privateKey, publicKey } = await generateKeyPair('ES256');
  const kid = `test-${randomUUID()}`;
  const jwk = { ...(await exportJWK(publicKey)), kid, alg: 'ES256', use: 'sig' };
  const server = createServer((req, res) => {
    if (req.url === '/jwks.json') res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ keys: [jwk] }));
    else res.writeHead(404).end();
  });
  await new Promise<void>((resolve) => server.listen(0, 'localhost', resolve));
  const jwksUrl = `http://localhost:${(server.address() as AddressInfo).port}/jwks.json`;
  return {
    jwksUrl,
    kid,
    sign: (claims, opts = {}) => signWith(privateKey, opts.kid ?? kid, claims, { issuer: opts.issuer ?? defaults.issuer, audience: opts.audience ?? defaults.audience, ttlSeconds: opts.ttlSeconds ?? 300, iatOffsetSeconds: opts.iatOffsetSeconds ?? 0 }),
    async close() {
      await new Promise<void>((resolve) => {
        server.close(() => resolve());
        server.closeAllConnections();
      });
    },
  };
}

async function signWith(key: CryptoKey, kid: string, claims: JWTPayload, o: { issuer: string; audience: string; ttlSeconds: number; iatOffsetSeconds: number }): Promise<string> {
  const iat = Math.floor(Date.now() / 1000) + o.iatOffsetSeconds;
  return new SignJWT({ jti: randomUUID(), ...claims })
    .setProtectedHeader({ alg: 'ES256', kid, typ: 'JWT' })
    .setIssuer(o.issuer)
    .setAudience(o.audience)
    .setIssuedAt(iat)
    .setExpirationTime(iat + o.ttlSeconds)
    .sign(key);
}
