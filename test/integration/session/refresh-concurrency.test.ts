import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { startStack, type TestStack } from '../gateway/harness.ts';
import { rawRequest, SESSION_COOKIE } from '../gateway/flows.ts';
import { freshSchema } from '../store/pg-schema.ts';
import { loginThroughGateway } from '../../support/login.ts';

/**
 * Issue #14 item 1: concurrent refreshes of one session across worker processes are serialized through the store
 * (a lease row taken by a conditional UPDATE), so the dev IdP's rotating refresh token is redeemed once. Were it
 * redeemed twice, oidc-provider would refuse the second use (invalid_grant) and revoke the grant: the session
 * would end and requests would be refused. Two real workers (node:cluster), on SQLite and on PostgreSQL.
 */
for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`concurrent refresh across 2 workers (${backend})`, () => {
    let stack: TestStack;
    let schema: Awaited<ReturnType<typeof freshSchema>> | undefined;
    before(async () => {
      if (backend === 'postgres') schema = await freshSchema('airlock_refresh');
      stack = await startStack({
        workers: 2,
        verifyAssertions: false, // (two fresh workers may each mint a signing key; the stand-in's JWKS cache is not the subject here)
        ...(schema ? { store: schema.url.reveal() } : {}),
        config: (c) => (c.session = { claims_max_age: '2s', cache_ttl: '10m' }),
      });
    });
    after(async () => {
      await stack.close();
      await schema?.drop();
    });

    /** n requests at once, each on its own TCP connection (the primary spreads connections over the workers). */
    const burst = (cookie: string, n: number) =>
      Promise.all(Array.from({ length: n }, () => rawRequest(`${stack.gatewayUrl}/api/v1/dags`, { headers: [['Cookie', cookie], ['Accept', 'application/json']] })));

    test('the refresh token is redeemed once; every request is served with the refreshed claims', async () => {
      const r = await loginThroughGateway(stack.gatewayUrl, 'carol', 'carol-demo');
      await r.response.arrayBuffer();
      const cookie = `${SESSION_COOKIE}=${r.jar.get(stack.gatewayUrl, SESSION_COOKIE)}`;
      // both workers cache the session
      for (const res of await burst(cookie, 6)) assert.equal(res.status, 200);
      const before = stack.idp.refreshGrants();
      for (let round = 1; round <= 3; round++) {
        await sleep(2_300); // the claims age past claims_max_age
        const results = await burst(cookie, 16);
        assert.deepEqual(results.map((x) => x.status), Array(16).fill(200), `round ${round}: ${results.map((x) => x.body.slice(0, 80)).join(' | ')}`);
        assert.equal(stack.idp.refreshGrants(), before + round, `round ${round}: exactly one refresh at the IdP`);
      }
      // the session is alive and carries what the IdP says now
      stack.idp.setGroups('carol', ['marketing']);
      await sleep(2_300);
      const refused = await burst(cookie, 8);
      for (const x of refused) {
        assert.equal(x.status, 403, x.body.slice(0, 200));
        assert.equal(JSON.parse(x.body).error, 'AIRLOCK_SERVER_NO_ROLE');
      }
      assert.equal(stack.idp.refreshGrants(), before + 4);
    });
  });
}
