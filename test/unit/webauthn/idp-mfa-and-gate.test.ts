import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { webauthnSchema } from '../../../src/config/schema/webauthn.ts';
import type { Identity } from '../../../src/identity/index.ts';
import { attestationPem } from '../../support/attestation-fixtures.ts';
import { compileWebauthn, freshForManagement, gateFor, idpMfaFrom, mustUseKey } from '../../../src/webauthn/index.ts';

const compile = (section: Record<string, unknown>) => compileWebauthn(webauthnSchema.parse(section), 'https://airflow.example.com');
const NOW = 1_800_000_000_000;

function person(over: Partial<Identity> = {}): Identity {
  return { kind: 'person', sub: 's', username: 'u', email: undefined, name: undefined, groups: [], roles: [], mfa: { method: 'none' }, ...over };
}

describe('IdP MFA (amr / acr with auth_time)', () => {
  const cfg = compile({ idp_mfa: { accept: true, amr: ['hwk', 'mfa'], acr: ['phr'], max_age: '10m' } });

  test('a listed amr value with a fresh auth_time counts, at auth_time', () => {
    const r = idpMfaFrom(cfg, { amr: ['pwd', 'hwk'], auth_time: NOW / 1000 - 60 }, NOW);
    assert.deepEqual(r.mfa, { method: 'idp', at: NOW - 60_000 });
  });

  test('a listed acr counts', () => {
    assert.equal(idpMfaFrom(cfg, { acr: 'phr', auth_time: NOW / 1000 }, NOW).mfa.method, 'idp');
  });

  test('unlisted amr/acr, a non-array amr, too old, or in the future: refused with a reason', () => {
    assert.equal(idpMfaFrom(cfg, { amr: ['pwd'], acr: 'urn:other', auth_time: NOW / 1000 }, NOW).refused, 'no_matching_amr_or_acr');
    assert.equal(idpMfaFrom(cfg, { amr: 'hwk', auth_time: NOW / 1000 }, NOW).refused, 'no_matching_amr_or_acr');
    assert.equal(idpMfaFrom(cfg, { amr: ['hwk'], auth_time: NOW / 1000 - 601 }, NOW).refused, 'too_old');
    assert.equal(idpMfaFrom(cfg, { amr: ['hwk'], auth_time: NOW / 1000 + 3600 }, NOW).refused, 'auth_time_in_future');
  });

  test('without auth_time: refused by default; with without_auth_time: login_time it counts at the login time', () => {
    assert.equal(idpMfaFrom(cfg, { amr: ['hwk'] }, NOW).refused, 'no_auth_time');
    const lenient = compile({ idp_mfa: { accept: true, amr: ['hwk'], without_auth_time: 'login_time' } });
    assert.deepEqual(idpMfaFrom(lenient, { amr: ['hwk'] }, NOW).mfa, { method: 'idp', at: NOW });
  });

  test('not accepted unless configured', () => {
    assert.equal(idpMfaFrom(compile({}), { amr: ['hwk'], auth_time: NOW / 1000 }, NOW).refused, 'not_accepted');
  });
});

describe('enrolment gate', () => {
  const cfg = compile({ required_for: ['Admin', 'group:sre'] });

  test('required by role or by group; machines never', () => {
    assert.equal(mustUseKey(cfg, person({ roles: ['Admin'] })), true);
    assert.equal(mustUseKey(cfg, person({ groups: ['sre'] })), true);
    assert.equal(mustUseKey(cfg, person({ roles: ['User'], groups: ['data'] })), false);
    assert.equal(mustUseKey(cfg, person({ kind: 'service', roles: ['Admin'] })), false);
  });

  test('an unverified required person is gated; a WebAuthn-verified one passes; IdP MFA only when accepted', () => {
    assert.equal(gateFor(cfg, person({ roles: ['Admin'] })), 'verify');
    assert.equal(gateFor(cfg, person({ roles: ['Admin'], mfa: { method: 'webauthn', at: NOW } })), undefined);
    assert.equal(gateFor(cfg, person({ roles: ['Admin'], mfa: { method: 'idp', at: NOW } })), 'verify');
    const accepting = compile({ required_for: ['Admin'], idp_mfa: { accept: true, amr: ['hwk'] } });
    assert.equal(gateFor(accepting, person({ roles: ['Admin'], mfa: { method: 'idp', at: NOW } })), undefined);
  });

  test('key management needs a fresh factor that is not the key being removed (or a fresh IdP login)', () => {
    const m = compile({ manage_within: '5m' });
    const viaA = person({ mfa: { method: 'webauthn', at: NOW - 60_000, credentialId: 'A' } });
    assert.equal(freshForManagement(m, viaA, NOW, { allowIdpLogin: false }), true);
    assert.equal(freshForManagement(m, viaA, NOW, { excludeCredential: 'A', allowIdpLogin: false }), false);
    assert.equal(freshForManagement(m, viaA, NOW, { excludeCredential: 'B', allowIdpLogin: false }), true);
    assert.equal(freshForManagement(m, viaA, NOW + 10 * 60_000, { allowIdpLogin: true }), false);
    const freshLogin = person({ authTime: NOW - 1000 });
    assert.equal(freshForManagement(m, freshLogin, NOW, { excludeCredential: 'A', allowIdpLogin: true }), true, 'removing: a fresh IdP login counts');
    assert.equal(freshForManagement(m, freshLogin, NOW, { allowIdpLogin: false }), false, 'adding: a password login alone never counts');
  });
});

describe('webauthn config', () => {
  test('direct attestation needs allowed_aaguids (and attestation_roots); allowed_aaguids need direct; challenge_ttl at most 5m', () => {
    assert.equal(webauthnSchema.safeParse({ attestation: 'direct' }).success, false);
    assert.equal(webauthnSchema.safeParse({ allowed_aaguids: ['cb69481e-8ff7-4039-93ec-0a2729a154a8'] }).success, false);
    assert.equal(webauthnSchema.safeParse({ challenge_ttl: '6m' }).success, false);
    assert.equal(webauthnSchema.safeParse({ idp_mfa: { accept: true } }).success, false);
    assert.equal(webauthnSchema.safeParse({ required_for: ['group:'] }).success, false);
    const ok = webauthnSchema.parse({ attestation: 'direct', allowed_aaguids: ['CB69481E-8FF7-4039-93EC-0A2729A154A8'], attestation_roots: attestationPem.makerRoot, challenge_ttl: '5m' });
    assert.deepEqual(ok.allowed_aaguids, ['cb69481e-8ff7-4039-93ec-0a2729a154a8']);
    assert.equal(compileWebauthn(ok, 'https://airflow.example.com').attestationRoots.length, 1);
  });

  test('direct attestation needs attestation_roots (CA certificates); none refuses them', () => {
    const issues = (section: Record<string, unknown>) => {
      const r = webauthnSchema.safeParse(section);
      assert.equal(r.success, false);
      return r.error!.issues.map((i) => `${i.path.join('.')}: ${i.message}`);
    };
    const aaguids = ['cb69481e-8ff7-4039-93ec-0a2729a154a8'];
    assert.match(issues({ attestation: 'direct', allowed_aaguids: aaguids }).join('\n'), /attestation_roots: required when attestation is "direct".*software authenticator/);
    assert.match(issues({ attestation: 'direct', allowed_aaguids: aaguids, attestation_roots: attestationPem.makerAttestation }).join('\n'), /attestation_roots: holds a certificate that is not a CA/);
    assert.match(issues({ attestation: 'direct', allowed_aaguids: aaguids, attestation_roots: 'no pem here' }).join('\n'), /attestation_roots: must hold at least one PEM certificate/);
    assert.match(issues({ attestation_roots: attestationPem.makerRoot }).join('\n'), /attestation_roots: is checked only with attestation: direct/);
  });

  test('rp_id must be public_url\'s host or a parent domain', () => {
    assert.equal(compileWebauthn(webauthnSchema.parse({ rp_id: 'example.com' }), 'https://airflow.example.com').rpId, 'example.com');
    assert.throws(() => compileWebauthn(webauthnSchema.parse({ rp_id: 'evil.com' }), 'https://airflow.example.com'), TypeError);
    assert.throws(() => compileWebauthn(webauthnSchema.parse({ rp_id: 'ample.com' }), 'https://airflow.example.com'), TypeError);
  });
});
