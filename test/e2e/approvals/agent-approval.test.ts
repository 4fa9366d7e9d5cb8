import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import type { Browser } from 'playwright-core';
import { headerValues } from '../../../demo/airflow-standin/index.ts';
import { openAdmin, signIn, tokenStack } from '../../integration/tokens/support.ts';
import type { TestStack } from '../../integration/gateway/harness.ts';
import { launchChromium, Person } from '../webauthn/browser.ts';

const TRIGGER = '/api/v1/dags/etl_daily/dagRuns';
const BODY = '{"conf":{"source":"agent"},"dag_run_id":"agent-e2e-1"}';

/**
 * Issue #13 §4 end to end: an agent token's trigger is held; a person signs in at the dev IdP in Chromium, confirms
 * with a (CDP virtual) security key, approves on the approval page, and the stand-in Airflow receives the trigger once.
 */
describe('an agent\'s held trigger approved in the browser', () => {
  let stack: TestStack;
  let browser: Browser;
  let admin: Awaited<ReturnType<typeof openAdmin>>;
  const people: Person[] = [];

  before(async () => {
    stack = await tokenStack();
    await signIn(stack, 'carol');
    admin = await openAdmin(stack);
    browser = await launchChromium();
  });
  after(async () => {
    for (const p of people) await p.close();
    await browser?.close();
    await admin?.close();
    await stack?.close();
  });

  test('held (202), then approved by bob with a security-key step-up, performed exactly once', async () => {
    const bot = (await admin.issue({ name: 'report-agent', envs: ['prod'], dags: ['etl_*'], actions: ['read', 'trigger'], owner: 'carol', kind: 'agent', approval: ['trigger'], ttl: 3_600_000 })).token;
    const held = await fetch(`${stack.gatewayUrl}${TRIGGER}`, { method: 'POST', headers: { authorization: `Bearer ${bot}`, 'content-type': 'application/json' }, body: BODY });
    assert.equal(held.status, 202);
    const h = (await held.json()) as { approval_id: string; status_url: string; body_sha256: string };
    const triggers = () => stack.prod.received.filter((r) => r.method === 'POST' && r.url === TRIGGER);
    assert.equal(triggers().length, 0, 'nothing reached Airflow while held');

    const bob = await Person.open(browser);
    people.push(bob);
    await bob.useAuthenticator();
    const pagePath = new URL(h.status_url).pathname;
    await bob.idpLogin(stack.gatewayUrl, 'bob', 'bob-demo', pagePath);
    assert.equal(new URL(bob.page.url()).pathname, pagePath, 'back on the approval page after sign-in');
    assert.match((await bob.page.textContent('h1')) ?? '', /needs your approval/);
    assert.equal(await bob.page.textContent('#approval-sha256'), h.body_sha256);
    assert.equal(await bob.page.textContent('#approval-body'), BODY, 'the exact body is shown');
    assert.equal(await bob.page.textContent('#approval-status'), 'pending');
    assert.equal(await bob.page.$('#approve'), null, 'no Approve button before the security-key confirmation');

    // the step-up: bob has no key yet, so he registers one (his IdP sign-in is fresh), then returns to the page
    await Promise.all([bob.page.waitForURL((u) => u.pathname === '/.airlock/webauthn/step-up'), bob.page.click('#step-up')]);
    if (await bob.page.$('#wa-name')) await bob.page.fill('#wa-name', 'Bob key');
    await Promise.all([bob.page.waitForURL((u) => u.pathname === pagePath), bob.page.click('#wa-go')]);
    assert.equal((await bob.credentials()).length, 1, 'the virtual authenticator holds bob\'s key');
    await Promise.all([bob.page.waitForURL((u) => u.pathname === pagePath), bob.page.click('#approve')]);
    assert.equal(await bob.page.textContent('#approval-status'), 'executed');
    assert.match((await bob.page.textContent('#approval-outcome')) ?? '', /Airflow answered 200/);

    const got = triggers();
    assert.equal(got.length, 1, 'the stand-in Airflow received the trigger once');
    assert.equal(got[0]!.body.toString('utf8'), BODY);
    const claims = JSON.parse(Buffer.from(headerValues(got[0]!.headers, 'x-airlock-assertion')[0]!.split('.')[1]!, 'base64url').toString('utf8')) as Record<string, any>;
    assert.equal(claims.sub, 'agent:report-agent');
    assert.equal(claims.approved_by.preferred_username, 'bob');

    // reloading or re-posting does not run it again
    const replay = await bob.page.request.post(`${stack.gatewayUrl}${pagePath}/approve`, { headers: { origin: stack.publicUrl, accept: 'application/json', 'content-type': 'application/x-www-form-urlencoded' }, data: `sha256=${h.body_sha256}`, maxRedirects: 0 });
    assert.equal(replay.status(), 409);
    assert.equal(((await replay.json()) as { error: string }).error, 'AIRLOCK_APPROVAL_NOT_PENDING');
    assert.equal(triggers().length, 1);
    const status = (await (await fetch(h.status_url, { headers: { authorization: `Bearer ${bot}` } })).json()) as Record<string, unknown>;
    assert.equal(status.status, 'executed');
    assert.equal(status.decided_by, 'bob');
  });
});
