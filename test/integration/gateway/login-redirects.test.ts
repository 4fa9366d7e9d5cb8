import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startStack, type TestStack } from './harness.ts';
import { assertNoLeak, rawRequest } from './flows.ts';
import { loginThroughGateway } from '../../support/login.ts';

/** /.airlock/login?rd= is the one place a URL from outside decides where the browser goes next. */
describe('login return address (rd) cannot redirect off-site', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  /** Asserts the gateway answered with its 400 page, no redirect and no login started. */
  const assertRefused = (res: { status: number; headers: Record<string, string | string[]>; body: string }, label: string) => {
    assert.equal(res.status, 400, `${label}: ${res.body.slice(0, 200)}`);
    assert.equal(res.headers.location, undefined, `${label}: no Location`);
    assert.match(String(res.headers['content-type']), /^text\/html/, label);
    assert.ok(res.body.includes('AIRLOCK_IDENTITY_RETURN_TO_INVALID'), label);
    assert.equal(res.headers['set-cookie'], undefined, `${label}: no login cookie, no flow started`);
    assertNoLeak(res.body);
  };

  // As they appear in the query string, byte for byte.
  const rawQueries = ['//evil', '/\\evil', '/%09/evil', 'https:evil', 'javascript:alert(1)', 'https://evil.example', '/%2F%2Fevil', '%2F%2Fevil', '/\\t/evil', '\\\\evil', '/%5Cevil', `/${'a'.repeat(5000)}`];
  for (const q of rawQueries) {
    test(`raw rd=${q.length > 40 ? `${q.slice(0, 12)}... (${q.length} chars)` : q} is refused`, async () => {
      assertRefused(await rawRequest(`${stack.gatewayUrl}/.airlock/login?rd=${q}`), q);
    });
  }

  // As values a link might carry (percent-encoded by the link's author), including real tab and backslashes.
  const values = ['//evil', '/\\evil', '/\t/evil', '/%09/evil', '\\\\evil', 'https:evil', 'javascript:alert(1)', 'https://evil.example', '/%2F%2Fevil', '%2F%2Fevil', '/\n/evil', `/${'b'.repeat(3000)}`];
  for (const v of values) {
    test(`encoded rd value ${JSON.stringify(v.length > 40 ? `${v.slice(0, 12)}... (${v.length} chars)` : v)} is refused`, async () => {
      assertRefused(await rawRequest(`${stack.gatewayUrl}/.airlock/login?rd=${encodeURIComponent(v)}`), v);
    });
  }

  test('two rd parameters are refused or the first safe one is used — never an off-site one', async () => {
    const res = await rawRequest(`${stack.gatewayUrl}/.airlock/login?rd=/home&rd=//evil`);
    if (res.status === 302) {
      assert.ok(String(res.headers.location).startsWith(stack.idp.issuer), 'on to the IdP, not to evil');
    } else {
      assertRefused(res, 'rd twice');
    }
  });

  for (const rd of ['/home', '/api/v1/dags?limit=5', '/home?search=my%20dag']) {
    test(`after login the browser lands exactly on ${rd}`, async () => {
      const before = stack.prod.received.length;
      const r = await loginThroughGateway(stack.gatewayUrl, 'carol', 'carol-demo', { returnTo: rd });
      assert.equal(r.finalUrl, `${stack.gatewayUrl}${rd}`);
      assert.equal(r.response.status, 200);
      await r.response.arrayBuffer();
      const seen = stack.prod.received.slice(before).map((x) => x.url);
      assert.deepEqual(seen, [rd], 'the upstream saw exactly that target');
    });
  }

  test('an unauthenticated page view goes to login with rd set to exactly that page', async () => {
    const first = await fetch(`${stack.gatewayUrl}/api/v1/dags?limit=5`, { redirect: 'manual', headers: { accept: 'text/html' } });
    await first.arrayBuffer();
    if (first.status === 302) {
      const loc = new URL(first.headers.get('location')!, stack.gatewayUrl);
      assert.equal(loc.pathname, '/.airlock/login');
      assert.equal(loc.searchParams.get('rd'), '/api/v1/dags?limit=5');
    } else {
      assert.equal(first.status, 401, 'an API path answers 401 JSON instead');
    }
    const page = await fetch(`${stack.gatewayUrl}/home?x=1`, { redirect: 'manual', headers: { accept: 'text/html' } });
    await page.arrayBuffer();
    assert.equal(page.status, 302);
    const loc = new URL(page.headers.get('location')!, stack.gatewayUrl);
    assert.equal(loc.searchParams.get('rd'), '/home?x=1');
  });
});
