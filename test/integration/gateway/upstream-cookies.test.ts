import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { loginThroughGateway } from '../../support/login.ts';
import { startStack, type TestStack } from './harness.ts';

// A hostile (or buggy) Airflow: every response tries to replace the person's gateway session and login binding.
const HOSTILE = ['airlock=attacker-session; Path=/; HttpOnly', 'AIRLOCK-LOGIN=x; Path=/', 'airflow_session=abc; Path=/; HttpOnly'];

describe("the upstream cannot set the gateway's cookies", () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ prodResponseHeaders: { 'set-cookie': HOSTILE } });
  });
  after(async () => {
    await stack?.close();
  });

  test("Airflow's Set-Cookie for the session or login cookie never reaches the browser; its own cookies do; the session keeps working", async () => {
    // the login ends on Airflow's home page, whose response carries the hostile cookies
    const { cookieHeader, response } = await loginThroughGateway(stack.gatewayUrl, 'alice', 'alice-demo');
    assert.equal(response.status, 200);
    const res = await fetch(`${stack.gatewayUrl}/api/v1/dags`, { headers: { cookie: cookieHeader } });
    assert.equal(res.status, 200);
    assert.deepEqual(res.headers.getSetCookie(), ['airflow_session=abc; Path=/; HttpOnly']);
    assert.ok(!cookieHeader.includes('attacker-session'), 'the browser kept its own session cookie');
    const who = await fetch(`${stack.gatewayUrl}/.airlock/whoami`, { headers: { cookie: cookieHeader } });
    assert.equal(who.status, 200);
    assert.equal((await who.json()).username, 'alice');
  });
});
