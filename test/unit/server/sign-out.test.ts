import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isAirflowLogout } from '../../../src/server/airflow-logout.ts';
import { isSameOriginPost } from '../../../src/server/same-origin.ts';

const ORIGIN = 'https://airflow.example.com';

test('isSameOriginPost: the gateway\'s own pages pass, with or without fetch metadata, Origin null only with same-origin', () => {
  const pass: Array<Record<string, string>> = [
    { origin: ORIGIN, 'sec-fetch-site': 'same-origin' },
    { origin: 'null', 'sec-fetch-site': 'same-origin' }, // a no-referrer page's own form
    { 'sec-fetch-site': 'same-origin' },
    { origin: ORIGIN, 'sec-fetch-site': 'none' },
    { origin: ORIGIN }, // a browser without fetch metadata
  ];
  for (const h of pass) assert.equal(isSameOriginPost(h, ORIGIN), true, JSON.stringify(h));
});

test('isSameOriginPost: everything else is refused', () => {
  const refuse: Array<Record<string, string>> = [
    {},
    { origin: 'null' },
    { origin: 'null', 'sec-fetch-site': 'cross-site' }, // a sandboxed frame
    { origin: 'https://evil.example', 'sec-fetch-site': 'cross-site' },
    { origin: 'https://evil.example' },
    { origin: 'https://evil.example', 'sec-fetch-site': 'same-origin' },
    { origin: 'https://sub.airflow.example.com', 'sec-fetch-site': 'same-site' },
    { 'sec-fetch-site': 'same-site' },
    { origin: 'http://airflow.example.com' }, // another scheme
    { origin: 'https://airflow.example.com:8443' },
    { origin: `${ORIGIN}, ${ORIGIN}` }, // two Origin headers joined by Node
    { origin: ORIGIN, 'sec-fetch-site': 'same-origin, cross-site' },
    { origin: ORIGIN, 'sec-fetch-site': 'SAME-ORIGIN' },
  ];
  for (const h of refuse) assert.equal(isSameOriginPost(h, ORIGIN), false, JSON.stringify(h));
});

test('isAirflowLogout: Airflow 2 /logout/ (POST as 2.10 has it, GET as older 2.x), Airflow 3 /api/v2/auth/logout; nothing else', () => {
  for (const [method, path] of [['POST', '/logout/'], ['GET', '/logout/'], ['POST', '/logout'], ['GET', '/logout'], ['POST', '/logout/?next=%2Fhome']]) {
    assert.equal(isAirflowLogout(2, method!, path!), true, `${method} ${path}`);
    assert.equal(isAirflowLogout(3, method!, path!), false, `Airflow 3: ${method} ${path}`);
  }
  assert.equal(isAirflowLogout(3, 'GET', '/api/v2/auth/logout'), true);
  assert.equal(isAirflowLogout(3, 'GET', '/api/v2/auth/logout?next=/'), true);
  assert.equal(isAirflowLogout(2, 'GET', '/api/v2/auth/logout'), false);
  for (const [method, path] of [['DELETE', '/logout/'], ['PUT', '/logout/'], ['GET', '/logout/x'], ['GET', '/xlogout/'], ['GET', '/Logout/'], ['GET', '/logout//']]) {
    assert.equal(isAirflowLogout(2, method!, path!), false, `${method} ${path}`);
  }
  assert.equal(isAirflowLogout(3, 'POST', '/api/v2/auth/logout'), false);
});
