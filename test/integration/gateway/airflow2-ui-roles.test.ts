/**
 * Issue #11 section 1, end to end: each default Airflow role signs in through Airlock (dev IdP, roles from the
 * `roles:` mapping of its group), opens the Airflow 2 stand-in's /home, and walks every navbar link. Each link
 * answers what real Airflow 2.10.5 answers that role (the stand-in replays ui-behaviour.md / flask-routes.tsv):
 * 200 for its own menu. The Admin menu walked by the other roles: 200 where FAB allows, and otherwise Airlock's
 * own 403 before the request reaches Airflow (docs/policy.md "Airflow 2 UI": Airlock refuses first).
 */
import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { FlaskUi, loadFlaskUiFile } from '../../../demo/airflow-standin/flask-ui.ts';
import { loginThroughGateway } from '../../support/login.ts';
import { startStack, type TestStack } from './harness.ts';

const USERS: Record<string, string> = { Admin: 'alice', Op: 'bob', User: 'carol', Viewer: 'dave' };
const ui = new FlaskUi(loadFlaskUiFile());
const ADMIN_MENU = ui.navbar(['Admin']).map((l) => l.url);

/** What real Airflow answers this role for GET url (the stand-in's FAB model, without Airlock in front). */
async function airflowStatus(role: string, url: string): Promise<number> {
  const u = new URL(url, 'http://airflow.internal');
  const a = await ui.answer({ method: 'GET', path: u.pathname, query: u.searchParams, url: u.href, contentType: undefined, body: Buffer.alloc(0), roles: [role] });
  assert.ok(a, `${url} is a Flask UI rule`);
  return a.status;
}

const navLinks = (html: string) => [...html.matchAll(/<a class="nav-link" href="([^"]+)">/g)].map((m) => m[1]!);

describe('every default role walks its Airflow 2 navbar through Airlock', () => {
  let stack: TestStack;
  const cookies = new Map<string, string>();

  before(async () => {
    stack = await startStack();
    for (const [role, user] of Object.entries(USERS)) {
      const r = await loginThroughGateway(stack.gatewayUrl, user, `${user}-demo`, { returnTo: '/home' });
      await r.response.arrayBuffer();
      cookies.set(role, r.cookieHeader);
    }
  });
  after(() => stack.close());

  const get = (role: string, path: string, accept = 'text/html') =>
    fetch(`${stack.gatewayUrl}${path}`, { redirect: 'manual', headers: { cookie: cookies.get(role)!, accept } });

  for (const role of Object.keys(USERS)) {
    test(`${role}: /home shows the role's menu, and every link opens with real Airflow's status`, async () => {
      const home = await get(role, '/home');
      assert.equal(home.status, 200);
      const links = navLinks(await home.text());
      assert.deepEqual(links, ui.navbar([role]).map((l) => l.url), 'the menu_access permissions of the role decide the links');
      if (role === 'Admin') assert.equal(links.length, 27, 'ui-behaviour.md (b): the whole Admin menu');
      for (const link of links) {
        const want = await airflowStatus(role, link);
        assert.equal(want, 200, `${role}: real Airflow opens ${link}`);
        const before = stack.prod.received.length;
        const res = await get(role, link);
        assert.equal(res.status, want, `${role} ${link} through Airlock: ${res.status} ${(await res.clone().text()).slice(0, 200)}`);
        await res.arrayBuffer();
        assert.equal(stack.prod.received.length, before + 1, `${link} reached Airflow`);
        assert.equal(stack.prod.received.at(-1)!.url, link);
      }
    });
  }

  for (const role of ['Op', 'User', 'Viewer']) {
    test(`${role}: the Admin menu's other pages are refused by Airlock with 403 before Airflow's own refusal`, async () => {
      let refused = 0;
      for (const link of ADMIN_MENU) {
        const airflow = await airflowStatus(role, link);
        const before = stack.prod.received.length;
        const res = await get(role, link);
        if (airflow === 200) {
          assert.equal(res.status, 200, `${role} ${link}`);
          await res.arrayBuffer();
          continue;
        }
        // Airflow would answer 302 (to /login/ for a FAB model view, to /home for an Airflow view) or 403
        assert.ok([302, 403].includes(airflow), `${link}: FAB answers ${airflow}`);
        assert.equal(res.status, 403, `${role} ${link}: Airlock refuses`);
        assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
        assert.match(await res.text(), /would grant access/);
        assert.equal(stack.prod.received.length, before, `${link} never reached Airflow`);
        const json = await get(role, link, 'application/json');
        const body = (await json.json()) as { error: string; reasons: Array<{ code: string }>; granting_groups: string[] };
        assert.equal(body.error, 'AIRLOCK_SERVER_FORBIDDEN');
        assert.ok(body.reasons.every((r) => r.code === 'role_missing_permission'), JSON.stringify(body.reasons));
        assert.ok(body.granting_groups.includes('airflow-admins'));
        refused++;
      }
      assert.ok(refused > 0 && refused < ADMIN_MENU.length, `${role}: ${refused} of ${ADMIN_MENU.length} refused`);
    });
  }

  test('rules Airflow refuses to everyone are refused to Admin by Airlock (denied_by_airflow), never forwarded', async () => {
    for (const path of ['/dagrun/api', '/variable/api/read', '/actions/api', '/dagrun/add']) {
      const before = stack.prod.received.length;
      const res = await get('Admin', path, 'application/json');
      assert.equal(res.status, 403, path);
      const body = (await res.json()) as { reasons: Array<{ code: string }>; granting_groups: string[] };
      assert.deepEqual(body.reasons.map((r) => r.code), ['denied_by_airflow'], path);
      assert.deepEqual(body.granting_groups, []);
      assert.equal(stack.prod.received.length, before);
    }
  });

  test('encoded "/" in a path parameter is forwarded still encoded; elsewhere refused', async () => {
    for (const [path, forwarded] of [
      ['/api/v1/variables/team%2Fregion', '/api/v1/variables/team%2Fregion'],
      ['/api/v1/variables/a%252Fb', '/api/v1/variables/a%252Fb'],
      ['/api/v1/datasets/s3%3A%2F%2Fbucket%2Fkey', '/api/v1/datasets/s3:%2F%2Fbucket%2Fkey'],
    ] as const) {
      const res = await get('Admin', path, 'application/json');
      assert.equal(res.status, 200, `${path}: ${await res.clone().text()}`);
      await res.arrayBuffer();
      assert.equal(stack.prod.received.at(-1)!.url, forwarded);
    }
    const before = stack.prod.received.length;
    for (const path of ['/api/v1/connections/a%2Fb', '/api/v1/pools/a%252Fb']) {
      const res = await get('Admin', path, 'application/json');
      assert.equal(res.status, 400, path);
      assert.match((await res.json() as { error: string }).error, /^AIRLOCK_POLICY_(AMBIGUOUS_TARGET|BAD_ENCODING)$/);
    }
    assert.equal(stack.prod.received.length, before);
  });

  test('multipart forms pass with their body untouched; a multipart DAG id is still checked', async () => {
    const post = async (role: string, path: string, fd: FormData) => {
      const req = new Request(`${stack.gatewayUrl}${path}`, { method: 'POST', body: fd });
      const body = Buffer.from(await req.arrayBuffer());
      const res = await fetch(req.url, { method: 'POST', redirect: 'manual', body, headers: { cookie: cookies.get(role)!, 'content-type': req.headers.get('content-type')!, accept: 'text/html', origin: stack.gatewayUrl } });
      return { res, body };
    };
    const imp = new FormData();
    imp.append('csrf_token', 't');
    imp.append('file', new Blob(['{"region": "eu"}'], { type: 'application/json' }), 'variables.json');
    const before = stack.prod.received.length;
    const { res, body } = await post('Admin', '/variable/varimport', imp);
    assert.equal(res.status, 200, await res.clone().text());
    await res.arrayBuffer();
    assert.equal(stack.prod.received.length, before + 1);
    assert.ok(stack.prod.received.at(-1)!.body.equals(body), 'the multipart body reached Airflow byte for byte');
    const add = new FormData();
    add.append('conn_id', 'warehouse');
    add.append('conn_type', 'postgres');
    assert.equal((await post('Op', '/connection/add', add)).res.status, 200);
    const trig = new FormData();
    trig.append('dag_id', 'finance_daily');
    trig.append('conf', '{}');
    const n = stack.prod.received.length;
    const mismatch = (await post('User', '/dags/example_etl/trigger', trig)).res;
    assert.equal(mismatch.status, 400);
    assert.match(await mismatch.text(), /AIRLOCK_POLICY_DAG_MISMATCH/);
    assert.equal(stack.prod.received.length, n, 'never forwarded');
  });
});
