import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_USERS } from '../../../demo/idp/index.ts';
import { startStack, type TestStack } from './harness.ts';
import { assertErrorPage, loginUntilCallback, requestCallback, sessionCookieSet } from './flows.ts';

// olga is in airflow-admins, but the IdP sends her groups as a distributed claim (_claim_names/_claim_sources),
// as Entra ID does above 200 groups: the token itself carries no groups, and its source endpoint is on
// graph.example.invalid, which is not in idp.distributed_groups.allowed_hosts (default graph.microsoft.com).
// Resolving allowed sources is tested in test/integration/identity/distributed-groups.test.ts.
const OLGA = { username: 'olga', password: 'olga-demo', email: 'olga@example.com', name: 'Olga Overage', groups: ['airflow-admins'], distributedGroups: true };

describe('groups left out of the token (Entra ID group overage)', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ idp: { users: [...DEMO_USERS, OLGA] } });
  });
  after(async () => {
    await stack?.close();
  });

  test('a source on a host that is not allowed: refused with AIRLOCK_IDENTITY_GROUPS_SOURCE_NOT_ALLOWED (403 page, no session), not a "no role" page blaming her groups', async () => {
    const { callbackUrl, jar } = await loginUntilCallback(stack.gatewayUrl, 'olga', 'olga-demo');
    const page = await assertErrorPage(await requestCallback(callbackUrl, jar), 403, 'AIRLOCK_IDENTITY_GROUPS_SOURCE_NOT_ALLOWED');
    assert.match(page, /group memberships/);
    assert.doesNotMatch(page, /graph\.example\.invalid/, 'the page does not echo the IdP claim sources');
    const who = await fetch(`${stack.gatewayUrl}/.airlock/whoami`, { headers: { cookie: jar.header(stack.gatewayUrl) ?? '' } });
    assert.equal(who.status, 401, 'not signed in');
  });

  test('a person whose groups are in the token signs in as before on the same IdP', async () => {
    const { callbackUrl, jar } = await loginUntilCallback(stack.gatewayUrl, 'alice', 'alice-demo');
    const res = await requestCallback(callbackUrl, jar);
    assert.equal(res.status, 302);
    assert.ok(sessionCookieSet(res));
  });
});
