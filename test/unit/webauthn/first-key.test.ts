import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { webauthnSchema } from '../../../src/config/schema/webauthn.ts';
import type { Identity } from '../../../src/identity/index.ts';
import { idpLoginAt, type SignedIn } from '../../../src/server/endpoints/webauthn/context.ts';
import type { SessionRecord } from '../../../src/session/index.ts';
import { compileWebauthn, firstKeyLoginFresh, firstKeyMfaAt } from '../../../src/webauthn/index.ts';

/** Issue #12 item 7: which IdP sign-in a first key rests on, and how fresh the enrolment then counts. */
const NOW = 1_800_000_000_000;
const cfg = compileWebauthn(webauthnSchema.parse({ manage_within: '5m' }), 'https://airflow.example.com');

function signedIn(o: { authTime?: number; idToken?: string; createdAt: number }): SignedIn {
  const identity: Identity = { kind: 'person', sub: 's', username: 'u', email: undefined, name: undefined, groups: [], roles: [], mfa: { method: 'none' }, ...(o.authTime === undefined ? {} : { authTime: o.authTime }) };
  const record = { idHash: 'h', identity, createdAt: o.createdAt, lastSeenAt: NOW, expiresAt: NOW + 1, idleExpiresAt: NOW + 1, hasIdToken: o.idToken !== undefined } as SessionRecord;
  return { identity, record, cookieId: 'c' };
}

describe('the IdP sign-in a first key rests on', () => {
  test("the ID token's auth_time when there was one; else when the IdP login completed; none for a session no IdP login made (passwordless)", () => {
    assert.equal(idpLoginAt(signedIn({ authTime: NOW - 3_600_000, idToken: 'id', createdAt: NOW - 1000 })), NOW - 3_600_000, 'an old IdP session behind a new login');
    assert.equal(idpLoginAt(signedIn({ idToken: 'id', createdAt: NOW - 1000 })), NOW - 1000);
    assert.equal(idpLoginAt(signedIn({ createdAt: NOW - 1000 })), undefined);
  });

  test('a first key may be registered only on a sign-in within manage_within; never without an IdP sign-in', () => {
    assert.equal(firstKeyLoginFresh(cfg, NOW - 5 * 60_000, NOW), true);
    assert.equal(firstKeyLoginFresh(cfg, NOW - 5 * 60_000 - 1, NOW), false);
    assert.equal(firstKeyLoginFresh(cfg, undefined, NOW), false);
  });

  test('the enrolment counts as of the sign-in, never later than now', () => {
    assert.equal(firstKeyMfaAt(NOW - 240_000, NOW), NOW - 240_000);
    assert.equal(firstKeyMfaAt(NOW + 5000, NOW), NOW, 'an auth_time ahead of the clock counts as now');
  });
});
