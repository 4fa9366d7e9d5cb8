import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { groupSourceUrl } from '../../../src/identity/group-source-url.ts';
import { code } from '../../support/error-code.ts';

const prod = { allowedHosts: ['graph.microsoft.com'], allowInsecureLoopback: false };
const tests = { allowedHosts: ['localhost:8443', '[::1]:9000'], allowInsecureLoopback: true };
const check = (raw: unknown, policy = prod) => code(() => groupSourceUrl(raw, policy, 'endpoint'));
const NOT_ALLOWED = 'AIRLOCK_IDENTITY_GROUPS_SOURCE_NOT_ALLOWED';

describe('groupSourceUrl: where a distributed groups claim may be read', () => {
  test('https on an allowed host (its default port) is accepted', () => {
    const u = groupSourceUrl('https://graph.microsoft.com/v1.0/users/0f1e/getMemberObjects', prod, 'endpoint');
    assert.equal(u.href, 'https://graph.microsoft.com/v1.0/users/0f1e/getMemberObjects');
    assert.equal(check('https://GRAPH.microsoft.com:443/v1.0/me/memberOf'), undefined, 'host case and an explicit default port do not matter');
  });

  test('another host, a look-alike, a sub-domain or another port of an allowed host is refused', () => {
    for (const raw of [
      'https://graph.windows.net/t/users/u/getMemberObjects',
      'https://graph.microsoft.com.evil.example/v1.0/me/memberOf',
      'https://evil.graph.microsoft.com/v1.0/me/memberOf',
      'https://graph.microsoft.com:8443/v1.0/me/memberOf',
      'https://169.254.169.254/latest/meta-data',
    ]) assert.equal(check(raw), NOT_ALLOWED, raw);
  });

  test('http is refused, except on loopback with allow_insecure_http (tests)', () => {
    assert.equal(check('http://graph.microsoft.com/v1.0/me/memberOf'), NOT_ALLOWED);
    assert.equal(check('http://localhost:8443/v1.0/me/memberOf', { ...tests, allowInsecureLoopback: false }), NOT_ALLOWED);
    assert.equal(check('http://localhost:8443/v1.0/me/memberOf', tests), undefined);
    assert.equal(check('http://[::1]:9000/v1.0/me/memberOf', tests), undefined);
    assert.equal(check('http://localhost:8444/v1.0/me/memberOf', tests), NOT_ALLOWED, 'the port must match an entry that names one');
  });

  test('credentials in the URL, other schemes, non-URLs and non-strings are refused', () => {
    for (const raw of ['https://user:pw@graph.microsoft.com/v1.0/me/memberOf', 'ftp://graph.microsoft.com/x', 'file:///etc/passwd', '/v1.0/me/memberOf', 'not a url', 42, null, undefined, { href: 'https://graph.microsoft.com/' }]) {
      assert.equal(check(raw), NOT_ALLOWED, String(raw));
    }
  });

  test('an empty allow-list refuses everything; the refusal says nothing was sent and names the setting', () => {
    let err: unknown;
    try {
      groupSourceUrl('https://graph.microsoft.com/v1.0/me/memberOf', { allowedHosts: [], allowInsecureLoopback: false }, 'endpoint');
    } catch (e) {
      err = e;
    }
    assert.equal((err as { code?: string }).code, NOT_ALLOWED);
    assert.match((err as Error).message, /idp\.distributed_groups\.allowed_hosts/);
    assert.match((err as Error).message, /nothing was sent/);
    assert.equal((err as { status?: number }).status, 403);
  });
});
