import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { compileRoleMapper, mapIdentity } from '../../../src/identity/index.ts';
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

