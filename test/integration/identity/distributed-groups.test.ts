import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { DEMO_USERS, subjectOf, type DemoUser } from '../../../demo/idp/index.ts';
import { CLIENT_SECRET, freePort, startStack, type TestStack } from '../gateway/harness.ts';
import { idpSigningKey } from '../gateway/idp-keys.ts';
import { resignIdToken, startIdpMitm, type IdpMitm } from '../gateway/idp-mitm.ts';
import { loginUntilCallback, requestCallback, sessionCookieSet } from '../gateway/flows.ts';
import { startGraphStandin, type GraphStandin } from './graph-standin.ts';
import { captureLog } from './log-capture.ts';
import { expectRefusal } from './refusal.ts';

/**
 * Entra ID group overage, resolved: the dev IdP (oidc-provider) leaves the groups claim out of the ID token and
 * names a distributed claim source (OIDC Core 5.6.2) instead; a Microsoft Graph stand-in on loopback serves it
 * (getMemberObjects, memberOf with paging) to the person's own access token only, or misbehaves on purpose.
 */
describe('distributed groups claim (Entra ID group overage)', () => {
  let stack: TestStack;
  let graph: GraphStandin;
  let other: GraphStandin;
  let mitm: IdpMitm;
  let closedPort: number;
  const log = captureLog();
  let issuer = '';

  const sub = (username: string) => subjectOf(username);
  const GINA_GROUPS = ['airflow-admins', ...Array.from({ length: 9 }, (_, i) => `g-${i + 1}`)];
  const PAULA_GROUPS = ['data-eng', 'p-1', 'p-2', 'p-3', 'p-4'];
  const person = (username: string, source: { endpoint: string; accessToken?: string }): DemoUser => ({
    username,
    password: `${username}-demo`,
    email: `${username}@example.com`,
    name: username,
    groups: [],
    distributedGroups: source,
  });

  before(async () => {
    closedPort = await freePort();
    const memberships = new Map<string, readonly string[]>([
      [sub('gina'), GINA_GROUPS],
      [sub('paula'), PAULA_GROUPS],
      ...['hank', 'bill', 'larry', 'mal', 'hugo', 'sam', 'nina', 'rita'].map((u) => [sub(u), ['airflow-admins']] as const),
    ]);
    other = await startGraphStandin({ issuer: () => issuer, memberships, host: '127.0.0.1' });
    graph = await startGraphStandin({ issuer: () => issuer, memberships, otherOrigin: other.url });
    const g = graph.url;
    const users: DemoUser[] = [
      ...DEMO_USERS,
      person('gina', { endpoint: `${g}/v1.0/users/${sub('gina')}/getMemberObjects` }),
      person('paula', { endpoint: `${g}/v1.0/users/${sub('paula')}/memberOf?$top=2` }),
      // the endpoint names gina's memberships: wendy's own token must not read them
      person('wendy', { endpoint: `${g}/v1.0/users/${sub('gina')}/getMemberObjects` }),
      // the source brings its own access token (OIDC Core 5.6.2), which the IdP never issued
      person('tom', { endpoint: `${g}/v1.0/users/${sub('tom')}/getMemberObjects`, accessToken: 'source-token-the-idp-never-issued' }),
      person('hank', { endpoint: `${g}/hang/v1.0/users/${sub('hank')}/getMemberObjects` }),
      person('bill', { endpoint: `${g}/big/v1.0/users/${sub('bill')}/getMemberObjects` }),
      person('larry', { endpoint: `${g}/loop/v1.0/users/${sub('larry')}/memberOf` }),
      person('mal', { endpoint: `${g}/malformed/v1.0/users/${sub('mal')}/getMemberObjects` }),
      person('hugo', { endpoint: `${g}/html/v1.0/users/${sub('hugo')}/getMemberObjects` }),
      person('sam', { endpoint: `${g}/status500/v1.0/users/${sub('sam')}/getMemberObjects` }),
      person('rita', { endpoint: `${g}/redirect/v1.0/users/${sub('rita')}/getMemberObjects` }),
      person('ulla', { endpoint: `http://localhost:${closedPort}/v1.0/users/${sub('ulla')}/getMemberObjects` }),
      person('eve', { endpoint: `${other.url}/v1.0/users/${sub('eve')}/getMemberObjects` }),
      person('nina', { endpoint: `${g}/evilnext/v1.0/users/${sub('nina')}/memberOf` }),
    ];
    stack = await startStack({
      idp: { users },
      logger: log.logger,
      prepare: async ({ idp }) => {
        issuer = idp.issuer;
        mitm = await startIdpMitm(idp.issuer);
      },
      config: (cfg) => {
        cfg.idp.discovery_url = mitm.discoveryUrl;
        cfg.idp.timeout = '2s';
        cfg.idp.distributed_groups = { allowed_hosts: [`localhost:${graph.port}`, `localhost:${closedPort}`], max_pages: 5, max_bytes: 65_536 };
      },
    });
  });
  after(async () => {
    await stack?.close();
    await Promise.all([graph?.close(), other?.close(), mitm?.close()]);
  });

  async function signIn(username: string): Promise<{ res: Response; cookie: string }> {
    const { callbackUrl, jar } = await loginUntilCallback(stack.gatewayUrl, username, `${username}-demo`);
    const res = await requestCallback(callbackUrl, jar);
    return { res, cookie: jar.header(stack.gatewayUrl) ?? '' };
  }

  async function whoami(cookie: string): Promise<{ status: number; body: { groups: string[]; roles: string[] } }> {
    const r = await fetch(`${stack.gatewayUrl}/.airlock/whoami`, { headers: { cookie } });
    return { status: r.status, body: (await r.json()) as { groups: string[]; roles: string[] } };
  }

  const refused = (username: string, status: number, code: string) => expectRefusal(stack.gatewayUrl, log, username, status, code);

  test('getMemberObjects: the groups come from the endpoint (POST, the person\'s access token), once per sign-in', async () => {
    const { res, cookie } = await signIn('gina');
    assert.equal(res.status, 302, await res.clone().text());
    assert.ok(sessionCookieSet(res));
    const calls = graph.requestsFor(sub('gina'));
    assert.equal(calls.length, 1);
    assert.equal(calls[0]!.method, 'POST');
    assert.deepEqual(JSON.parse(calls[0]!.body), { securityEnabledOnly: false });
    const me = await whoami(cookie);
    assert.equal(me.status, 200);
    assert.deepEqual(me.body.groups, GINA_GROUPS);
    assert.deepEqual(me.body.roles, ['Admin']);
    // cached per login: the session holds the groups, no request reads them again
    for (let i = 0; i < 3; i++) assert.equal((await whoami(cookie)).status, 200);
    const page = await fetch(`${stack.gatewayUrl}/home`, { headers: { cookie, accept: 'text/html' } });
    assert.equal(page.status, 200);
    await page.arrayBuffer();
    assert.equal(graph.requestsFor(sub('gina')).length, 1, 'no refetch per request');
  });

  test('memberOf with @odata.nextLink paging: every page is read, ids become the groups', async () => {
    const { res, cookie } = await signIn('paula');
    assert.equal(res.status, 302, await res.clone().text());
    assert.deepEqual(graph.requestsFor(sub('paula')).map((r) => r.method), ['GET', 'GET', 'GET'], 'three pages of two');
    const me = await whoami(cookie);
    assert.deepEqual(me.body.groups, PAULA_GROUPS);
    assert.deepEqual(me.body.roles, ['User']);
  });

  test('the endpoint refuses the token (another person\'s memberships: 403) -> AIRLOCK_IDENTITY_GROUPS_FETCH_FAILED', async () => {
    const { entry } = await refused('wendy', 502, 'AIRLOCK_IDENTITY_GROUPS_FETCH_FAILED');
    assert.equal(entry.reason, 'status');
    assert.equal(entry.source_status, 403);
    assert.match(String(entry.why), /Authorization_RequestDenied/);
  });

  test('a source access_token the endpoint does not accept (401) -> refused; that token, not the person\'s, was sent', async () => {
    const { entry } = await refused('tom', 502, 'AIRLOCK_IDENTITY_GROUPS_FETCH_FAILED');
    assert.equal(entry.source_status, 401);
    assert.deepEqual(graph.requestsFor(sub('tom')).map((r) => r.token), ['source-token-the-idp-never-issued']);
  });

  test('an endpoint that never answers: refused within idp.timeout (2 s for all pages), reason timeout', async () => {
    const { entry, ms } = await refused('hank', 502, 'AIRLOCK_IDENTITY_GROUPS_FETCH_FAILED');
    assert.ok(ms < 6000, `bounded by the timeout (answered after ${Math.round(ms)} ms)`);
    assert.equal(entry.reason, 'timeout');
  });

  test('a body larger than max_bytes (streamed, no content-length) -> too_large', async () => {
    assert.equal((await refused('bill', 502, 'AIRLOCK_IDENTITY_GROUPS_FETCH_FAILED')).entry.reason, 'too_large');
  });

  test('next links without end -> too_many_pages after max_pages requests', async () => {
    assert.equal((await refused('larry', 502, 'AIRLOCK_IDENTITY_GROUPS_FETCH_FAILED')).entry.reason, 'too_many_pages');
    assert.equal(graph.requestsFor(sub('larry')).length, 5);
  });

  test('malformed answers (value not an array; HTML) -> malformed', async () => {
    assert.equal((await refused('mal', 502, 'AIRLOCK_IDENTITY_GROUPS_FETCH_FAILED')).entry.reason, 'malformed');
    assert.equal((await refused('hugo', 502, 'AIRLOCK_IDENTITY_GROUPS_FETCH_FAILED')).entry.reason, 'malformed');
  });

  test('a redirect is not followed: refused with reason status (302)', async () => {
    const { entry } = await refused('rita', 502, 'AIRLOCK_IDENTITY_GROUPS_FETCH_FAILED');
    assert.equal(entry.source_status, 302);
    assert.equal(graph.requestsFor(sub('rita')).length, 1, 'the redirect target was not requested');
  });

  test('HTTP 500 -> status; a closed port -> unreachable', async () => {
    const e500 = (await refused('sam', 502, 'AIRLOCK_IDENTITY_GROUPS_FETCH_FAILED')).entry;
    assert.equal(e500.reason, 'status');
    assert.equal(e500.source_status, 500);
    assert.equal((await refused('ulla', 502, 'AIRLOCK_IDENTITY_GROUPS_FETCH_FAILED')).entry.reason, 'unreachable');
  });

  test('an endpoint on a host that is not in allowed_hosts is refused and never called', async () => {
    const { entry, page } = await refused('eve', 403, 'AIRLOCK_IDENTITY_GROUPS_SOURCE_NOT_ALLOWED');
    assert.match(String(entry.why), /allowed_hosts/);
    assert.doesNotMatch(page, /127\.0\.0\.1/, 'the page does not echo the endpoint');
    assert.equal(other.requests.length, 0, 'nothing (no token) was sent to the other host');
  });

  test('an @odata.nextLink to another host is refused; the token never goes there', async () => {
    await refused('nina', 403, 'AIRLOCK_IDENTITY_GROUPS_SOURCE_NOT_ALLOWED');
    assert.equal(graph.requestsFor(sub('nina')).length, 1);
    assert.equal(other.requests.length, 0);
  });

  test('hasgroups: true without a source, and a source without an endpoint (aggregated) -> AIRLOCK_IDENTITY_GROUPS_NOT_IN_TOKEN', async () => {
    const key = idpSigningKey(stack.idp);
    try {
      mitm.onToken = async (body) => ({
        ...body,
        id_token: await resignIdToken(String(body.id_token), key, (c) => {
          delete c.groups;
          c.hasgroups = true;
        }),
      });
      mitm.onUserinfo = (body) => {
        const { groups: _g, ...rest } = body;
        return rest;
      };
      const one = await refused('carol', 403, 'AIRLOCK_IDENTITY_GROUPS_NOT_IN_TOKEN');
      assert.match(String(one.entry.why), /hasgroups/);
      mitm.onToken = async (body) => ({
        ...body,
        id_token: await resignIdToken(String(body.id_token), key, (c) => {
          delete c.groups;
          c._claim_names = { groups: 'src1' };
          c._claim_sources = { src1: { JWT: 'e30.e30.' } };
        }),
      });
      await refused('carol', 403, 'AIRLOCK_IDENTITY_GROUPS_NOT_IN_TOKEN');
    } finally {
      mitm.onToken = undefined;
      mitm.onUserinfo = undefined;
    }
  });

  test('no access token, ID token or client secret ever reaches the log', async () => {
    const text = await log.text();
    assert.ok(text.includes('sign-in refused'), 'the refusals above were logged');
    const tokens = new Set([...graph.requests, ...other.requests].map((r) => r.token).filter((t): t is string => !!t));
    assert.ok(tokens.size >= 5, 'access tokens were seen by the endpoint');
    for (const t of tokens) assert.ok(!text.includes(t), 'an access token is in the log');
    assert.ok(mitm.idTokens.length >= 5);
    for (const t of mitm.idTokens) assert.ok(!text.includes(t.split('.')[2]!), 'an ID token is in the log');
    assert.ok(!text.includes(CLIENT_SECRET), 'the client secret is in the log');
  });
});
