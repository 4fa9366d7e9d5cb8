/**
 * The Airflow 2 stand-in answers the Flask UI like a real 2.10.5 webserver (ui-behaviour.md): per the roles in
 * the verified assertion, from flask-ui.json (generated from ../shared/airflow/airflow-2.10.5, committed).
 */
import { test, after, before, describe } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startAirflowStandin, loadRoutesFile, type AirflowStandin } from '../../../demo/airflow-standin/index.ts';
import { buildFlaskUiFile, FLASK_UI_SOURCES } from '../../../demo/airflow-standin/flask-ui-data.ts';
import { loadFlaskUiFile } from '../../../demo/airflow-standin/flask-ui.ts';
import { startTestAssertionSigner, type TestAssertionSigner } from '../../support/assertion-signer.ts';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const shared = join(root, '..', 'shared', 'airflow');

test('flask-ui.json equals what ../shared/airflow produces (or, without it, hangs together)', () => {
  const committed = loadFlaskUiFile();
  if (existsSync(join(shared, FLASK_UI_SOURCES[0]))) {
    const built = buildFlaskUiFile((f) => readFileSync(join(shared, f), 'utf8'), loadRoutesFile());
    assert.deepEqual(built, committed, 'flask-ui.json is stale: run node --import tsx scripts/build-standin-routes.ts');
  }
  assert.deepEqual(Object.keys(committed.sources), [...FLASK_UI_SOURCES]);
  assert.equal(committed.roles.Admin!.length, 92);
  // every rule of the url_map not answered from routes.json (the 100 /api/v1 + /auth/fab/v1 operations)
  const methods = committed.rules.reduce((n, r) => n + r.methods.length, 0);
  const tsv = readFileSync(join(root, 'test', 'fixtures', 'airflow-2.10.5', 'flask-routes.tsv'), 'utf8').trim().split('\n').slice(1);
  assert.equal(methods + 100, tsv.reduce((n, l) => n + l.split('\t')[1]!.split(',').length, 0));
  assert.equal(committed.navbar.length, 27);
});

describe('Airflow 2 stand-in Flask UI', () => {
  let signer: TestAssertionSigner;
  let standin: AirflowStandin;
  const issuer = 'http://localhost:8080';

  before(async () => {
    signer = await startTestAssertionSigner({ issuer, audience: 'prod' });
    standin = await startAirflowStandin({ airflow: 2, jwksUrl: signer.jwksUrl, issuer, audience: 'prod' });
  });
  after(async () => {
    await standin.close();
    await signer.close();
  });

  async function as(roles: string[], method: string, path: string, init: { body?: string; type?: string } = {}) {
    const token = await signer.sign({ sub: 'u1', preferred_username: 'u', roles, groups: [], sid: 's', amr: ['pwd'], ver: 1 });
    const headers: Record<string, string> = { 'X-Airlock-Assertion': token };
    if (init.type) headers['content-type'] = init.type;
    const res = await fetch(standin.url + path, { method, headers, redirect: 'manual', ...(init.body !== undefined ? { body: init.body } : {}) });
    return { status: res.status, location: res.headers.get('location'), type: res.headers.get('content-type') ?? '', text: await res.text() };
  }

  test('allowed pages answer 200', async () => {
    for (const [role, path] of [['Viewer', '/dagrun/list/'], ['Viewer', '/users/userinfo/'], ['Op', '/connection/list/'], ['Admin', '/users/list/'], ['Admin', '/api/v1/ui/'], ['Viewer', '/redoc'], ['Admin', '/dags/etl/grid']] as const) {
      assert.equal((await as([role], 'GET', path)).status, 200, `${role} ${path}`);
    }
  });

  test('a FAB model view without permission redirects to the login page with the absolute URL', async () => {
    const r = await as(['Viewer'], 'GET', '/connection/list/?_flt_0_conn_id=x');
    assert.equal(r.status, 302);
    assert.equal(r.location, `/login/?next=${encodeURIComponent(`${standin.url}/connection/list/?_flt_0_conn_id=x`)}`);
    // its /api* endpoints answer FAB's has_access_api 403
    const api = await as(['Viewer'], 'DELETE', '/connection/api/delete/3');
    assert.equal(api.status, 403);
    assert.deepEqual(JSON.parse(api.text), { message: 'Access is Denied', severity: 'danger' });
  });

  test('an Airflow has_access view without permission: 302 to /home with Website, else 403', async () => {
    const v = await as(['Viewer'], 'GET', '/configuration');
    assert.equal(v.status, 302);
    assert.equal(v.location, '/home');
    const nobody = await as(['Public'], 'GET', '/configuration');
    assert.equal(nobody.status, 403);
    assert.match(nobody.text, /no roles and\/or permissions/);
    assert.equal((await as(['Public'], 'GET', '/home')).status, 403, '/home itself needs can_read on Website');
    assert.equal((await as(['Viewer'], 'POST', '/paused?dag_id=etl&is_paused=true')).location, '/home');
    assert.equal((await as(['User'], 'POST', '/paused?dag_id=etl&is_paused=true')).status, 200);
  });

  test('rules Airflow refuses to everyone are refused to Admin like real Airflow (README "Key numbers")', async () => {
    const api = await as(['Admin'], 'GET', '/dagrun/api');
    assert.equal(api.status, 403);
    assert.equal((await as(['Admin'], 'GET', '/variable/api/read')).status, 403);
    assert.equal((await as(['Admin'], 'GET', '/actions/api')).status, 403);
    const add = await as(['Admin'], 'GET', '/dagrun/add');
    assert.equal(add.status, 302);
    assert.match(add.location!, /^\/login\/\?next=/);
  });

  test('list actions are checked per action, with the action read from the form (urlencoded or multipart)', async () => {
    const form = 'application/x-www-form-urlencoded';
    assert.equal((await as(['Op'], 'POST', '/variable/action_post', { type: form, body: 'action=varexport&rowid=1' })).status, 200);
    assert.equal((await as(['Viewer'], 'POST', '/variable/action_post', { type: form, body: 'action=muldelete&rowid=1' })).status, 302);
    const fd = new FormData();
    fd.append('action', 'set_success');
    fd.append('rowid', '1');
    const req = new Request('http://x/', { method: 'POST', body: fd });
    const body = Buffer.from(await req.arrayBuffer()).toString('latin1');
    assert.equal((await as(['User'], 'POST', '/taskinstance/action_post', { type: req.headers.get('content-type')!, body })).status, 200);
    assert.equal((await as(['Viewer'], 'POST', '/taskinstance/action_post', { type: req.headers.get('content-type')!, body })).location, '/home');
    // "Your Profile" buttons: the user's own password, not other people's
    assert.equal((await as(['Viewer'], 'GET', '/users/action/resetmypassword/1')).status, 200);
    assert.equal((await as(['Viewer'], 'GET', '/users/action/resetpasswords/1')).status, 302);
  });

  test('Werkzeug routing: converters, strict slashes, 405, 404', async () => {
    assert.equal((await as(['Admin'], 'GET', '/users/list')).status, 308);
    assert.equal((await as(['Admin'], 'GET', '/users/list')).location, '/users/list/');
    assert.equal((await as(['Admin'], 'DELETE', '/users/list/')).status, 405);
    assert.equal((await as(['Admin'], 'GET', '/no/such/page')).status, 404);
    assert.equal((await as(['Admin'], 'GET', '/static/dist%2Fmain.js')).status, 200, 'a path converter takes an encoded "/"');
    assert.equal((await as(['Admin'], 'GET', '/dags/a%2Fb/grid')).status, 404, 'a string converter does not');
  });

  test('/home shows the navbar links of the role\'s menu_access permissions', async () => {
    const links = (html: string) => [...html.matchAll(/<a class="nav-link" href="([^"]+)">/g)].map((m) => m[1]);
    const admin = links((await as(['Admin'], 'GET', '/home')).text);
    assert.equal(admin.length, 27);
    const viewer = links((await as(['Viewer'], 'GET', '/home')).text);
    assert.deepEqual(viewer, ['/home', '/cluster_activity', '/datasets', '/dagrun/list/', '/job/list/', '/taskinstance/list/', '/slamiss/list/', '/dag-dependencies', '/api/v1/ui/', '/redoc', '/users/userinfo/']);
    const op = links((await as(['Op'], 'GET', '/home')).text);
    assert.ok(op.includes('/connection/list/') && !op.includes('/users/list/') && !op.includes('/log/list/'));
  });
});
