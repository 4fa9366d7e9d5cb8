import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loginThroughGateway } from '../../support/login.ts';
import { CLIENT_ID, CLIENT_SECRET, startStack, type TestStack } from './harness.ts';

/**
 * Issue #12 item 13: the IdP client secret is rotated (at the IdP, and in the ${file:...} the config names),
 * SIGHUP, and the next login uses the new secret. The rotated secret has the same length and the same source,
 * so neither its redacted form nor its length tells the two apart.
 */
describe('a rotated IdP client secret is picked up by SIGHUP', () => {
  let stack: TestStack;
  const ROTATED = CLIENT_SECRET.replace(/0123456789abcdef$/, 'fedcba9876543210');

  before(async () => {
    stack = await startStack();
  });
  after(() => stack.close());

  const whoami = async (cookie: string) => (await fetch(`${stack.gatewayUrl}/.airlock/whoami`, { headers: { cookie } })).status;
  const login = async () => {
    const r = await loginThroughGateway(stack.gatewayUrl, 'carol', 'carol-demo', { returnTo: '/home' });
    await r.response.arrayBuffer();
    return { status: r.response.status, path: new URL(r.finalUrl).pathname, whoami: await whoami(r.cookieHeader) };
  };
  const sighup = async () => {
    const holder = stack.gateway.worker!.services.holder;
    const before = holder.current.version;
    process.kill(process.pid, 'SIGHUP');
    for (let i = 0; i < 200 && holder.current.version === before; i++) await new Promise((r) => setTimeout(r, 25));
    assert.equal(holder.current.version, before + 1, 'SIGHUP reloaded the config');
  };

  test('the old secret works until the IdP rotates it; after the file is rotated and SIGHUP, the next login uses the new one', async () => {
    assert.equal(ROTATED.length, CLIENT_SECRET.length);
    assert.notEqual(ROTATED, CLIENT_SECRET);
    assert.deepEqual(await login(), { status: 200, path: '/home', whoami: 200 });

    await stack.idp.setClientSecret(CLIENT_ID, ROTATED);
    const refused = await login();
    assert.equal(refused.path, '/.airlock/callback', 'the code exchange with the old secret fails at the callback');
    assert.ok(refused.status >= 400, `the IdP refuses the old secret (status ${refused.status})`);
    assert.equal(refused.whoami, 401, 'no session');

    await writeFile(join(stack.dir, 'client-secret'), `${ROTATED}\n`);
    await sighup();
    assert.deepEqual(await login(), { status: 200, path: '/home', whoami: 200 }, 'the login after SIGHUP authenticates with the rotated secret');
  });

  test('a reload that changes nothing keeps working logins (the relying party is reused, not broken)', async () => {
    await sighup();
    assert.deepEqual(await login(), { status: 200, path: '/home', whoami: 200 });
  });
});
