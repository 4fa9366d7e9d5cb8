import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRoleMapper, mapIdentity } from '../../../src/identity/index.ts';
import { resolveDistributedGroups } from '../../../src/identity/distributed-groups.ts';
import { code } from '../../support/error-code.ts';

const roles = compileRoleMapper({ 'airflow-admins': ['Admin'], '7d1f0c2e-0000-4000-8000-000000000001': ['Op'], analysts: ['Viewer'] });
const claims = (groups: string) => ({ subject: 'sub', username: 'preferred_username', email: 'email', name: 'name', groups });

describe('mapIdentity', () => {
  test('groups from a plain claim, a dotted path and a full-URL claim name map to roles', () => {
    assert.deepEqual(mapIdentity({ sub: 'a', groups: ['airflow-admins', 'x'] }, undefined, claims('groups'), roles).roles, ['Admin']);
    assert.deepEqual(mapIdentity({ sub: 'a', realm_access: { roles: ['analysts'] } }, undefined, claims('realm_access.roles'), roles).roles, ['Viewer']);
    const auth0 = mapIdentity({ sub: 'a', 'https://example.com/groups': ['analysts', 'airflow-admins'] }, undefined, claims('https://example.com/groups'), roles);
    assert.deepEqual(auth0.groups, ['analysts', 'airflow-admins']);
    assert.deepEqual(auth0.roles, ['Admin', 'Viewer']);
  });

  test('Entra ID group overage (groups as a distributed claim) is refused with AIRLOCK_IDENTITY_GROUPS_NOT_IN_TOKEN and a log line with the fix', () => {
    const overage = {
      sub: 'a',
      preferred_username: 'alice@example.com',
      _claim_names: { groups: 'src1' },
      _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/a/getMemberObjects' } },
    };
    let err: unknown;
    try {
      mapIdentity(overage, undefined, claims('groups'), roles);
    } catch (e) {
      err = e;
    }
    assert.equal((err as { code?: string }).code, 'AIRLOCK_IDENTITY_GROUPS_NOT_IN_TOKEN');
    const e = err as Error & { status: number; publicMessage: string };
    assert.equal(e.status, 403);
    assert.match(e.message, /Groups assigned to the application/);
    assert.match(e.publicMessage, /too many|very many groups/);
    assert.doesNotMatch(e.publicMessage, /graph\.microsoft\.com/, 'the client message names no IdP internals');
    // Entra's implicit-flow marker, and a dotted groups path whose top-level claim is distributed
    assert.equal(code(() => mapIdentity({ sub: 'a', hasgroups: true }, undefined, claims('groups'), roles)), 'AIRLOCK_IDENTITY_GROUPS_NOT_IN_TOKEN');
    assert.equal(code(() => mapIdentity({ sub: 'a', _claim_names: { realm_access: 's' } }, undefined, claims('realm_access.roles'), roles)), 'AIRLOCK_IDENTITY_GROUPS_NOT_IN_TOKEN');
  });

  test('groups present win over an overage marker; a distributed claim that is not the groups claim changes nothing', () => {
    const both = mapIdentity({ sub: 'a', groups: ['analysts'], _claim_names: { groups: 'src1' }, hasgroups: true }, undefined, claims('groups'), roles);
    assert.deepEqual(both.roles, ['Viewer']);
    const other = mapIdentity({ sub: 'a', _claim_names: { email: 'src1' } }, undefined, claims('groups'), roles);
    assert.deepEqual(other.groups, []);
    assert.deepEqual(other.roles, []);
    // hostile shapes of _claim_names are ignored, never thrown on
    for (const names of [null, 'groups', ['groups'], 42]) {
      assert.deepEqual(mapIdentity({ sub: 'a', _claim_names: names }, undefined, claims('groups'), roles).groups, []);
    }
    // groups from userinfo count as present
    assert.deepEqual(mapIdentity({ sub: 'a', _claim_names: { groups: 's' } }, { sub: 'a', groups: ['airflow-admins'] }, claims('groups'), roles).roles, ['Admin']);
  });
});


describe('mapIdentity with groups resolved from a distributed claim source', () => {
  test('resolved groups count as present and map to roles; the overage markers no longer refuse', () => {
    const overage = { sub: 'a', _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/users/a/getMemberObjects' } } };
    const id = mapIdentity(overage, { sub: 'a' }, claims('groups'), roles, { groups: ['7d1f0c2e-0000-4000-8000-000000000001', 'other'] });
    assert.deepEqual(id.groups, ['7d1f0c2e-0000-4000-8000-000000000001', 'other']);
    assert.deepEqual(id.roles, ['Op']);
  });
});

describe('resolveDistributedGroups: when there is nothing to fetch', () => {
  const idp = { claims: claims('groups'), distributed_groups: { allowed_hosts: [], max_pages: 1, max_bytes: 1024 }, timeout: 1000, allow_insecure_http: false };
  const src = { _claim_names: { groups: 'src1' }, _claim_sources: { src1: { endpoint: 'https://graph.microsoft.com/v1.0/me/memberOf' } } };
  test('groups present in the ID token or userinfo win: no fetch (an empty allow-list would refuse one)', async () => {
    assert.equal(await resolveDistributedGroups({ sub: 'a', groups: ['x'], ...src }, undefined, 'at', idp), undefined);
    assert.equal(await resolveDistributedGroups({ sub: 'a', ...src }, { sub: 'a', groups: ['x'] }, 'at', idp), undefined);
  });
  test('no _claim_names for the groups claim, or a source without an endpoint (aggregated): nothing to resolve', async () => {
    assert.equal(await resolveDistributedGroups({ sub: 'a', hasgroups: true }, undefined, 'at', idp), undefined);
    assert.equal(await resolveDistributedGroups({ sub: 'a', _claim_names: { groups: 'src1' }, _claim_sources: { src1: { JWT: 'e30.e30.' } } }, undefined, 'at', idp), undefined);
    assert.equal(await resolveDistributedGroups({ sub: 'a', _claim_names: { email: 'src1' }, _claim_sources: src._claim_sources }, undefined, 'at', idp), undefined);
  });
  test('a source with an endpoint is checked against the allow-list before anything is sent', async () => {
    await assert.rejects(resolveDistributedGroups({ sub: 'a', ...src }, undefined, 'at', idp), { code: 'AIRLOCK_IDENTITY_GROUPS_SOURCE_NOT_ALLOWED' });
  });
});
