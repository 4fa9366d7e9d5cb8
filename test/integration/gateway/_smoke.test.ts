import { test } from 'node:test';
import assert from 'node:assert/strict';
import { startStack } from './harness.ts';
import { loginThroughGateway } from '../../support/login.ts';
test('smoke', async () => {
  const s = await startStack();
  try {
    const r = await loginThroughGateway(s.gatewayUrl, 'alice', 'alice-demo', { returnTo: '/home' });
    console.log(r.finalUrl, r.response.status, r.cookieHeader);
    console.log((await r.response.text()).slice(0, 300));
    const w = await fetch(`${s.gatewayUrl}/.airlock/whoami`, { headers: { cookie: r.cookieHeader } });
    console.log(w.status, await w.text());
    console.log(s.prod.received.at(-1)?.headers);
  } finally { await s.close(); }
});
