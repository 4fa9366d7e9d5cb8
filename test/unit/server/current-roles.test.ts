import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileRoleMapper, type Identity } from '../../../src/identity/index.ts';
import { currentIdentity } from '../../../src/server/authenticate.ts';

/** A session's identity as the store gives it (fromStoredIdentity): frozen, roles mapped at sign-in. */
const stored = (groups: string[], roles: string[]): Identity =>
  Object.freeze({ kind: 'person', sub: 'sub-ada', username: 'ada', email: undefined, name: undefined, groups: Object.freeze(groups), roles: Object.freeze(roles), sessionId: 'handle', mfa: Object.freeze({ method: 'none' }) });

const v1 = { version: 1, roles: compileRoleMapper({ analysts: ['Viewer'], 'data-eng': ['User'] }) };

describe('roles recomputed with the current config (authenticate.ts)', () => {
  test('roles unchanged: the stored identity itself is used, no copy', () => {
    const id = stored(['analysts', 'data-eng'], ['User', 'Viewer']);
    assert.equal(currentIdentity(id, v1), id);
    assert.equal(currentIdentity(id, v1), id, 'again, from the cache');
    assert.equal(currentIdentity(id, { ...v1, version: 2 }), id, 'a reload that leaves the mapping of these groups alone');
  });

  test('a reload that changes the mapping applies at once: a frozen copy with the current roles, the same one per snapshot', () => {
    const id = stored(['analysts', 'data-eng'], ['User', 'Viewer']);
    assert.equal(currentIdentity(id, v1), id);
    const v2 = { version: 2, roles: compileRoleMapper({ analysts: ['Viewer'], 'data-eng': ['Op'] }) };
    const copy = currentIdentity(id, v2);
    assert.notEqual(copy, id);
    assert.deepEqual(copy.roles, ['Op', 'Viewer']);
    assert.ok(Object.isFrozen(copy) && Object.isFrozen(copy.roles));
    assert.deepEqual({ ...copy, roles: id.roles }, { ...id }, 'everything else is the stored identity');
    assert.deepEqual(id.roles, ['User', 'Viewer'], 'the stored identity is not changed');
    assert.equal(currentIdentity(id, v2), copy, 'one copy per identity and snapshot');
    // and back: the mapping of the sign-in again
    assert.equal(currentIdentity(id, { ...v1, version: 3 }), id);
  });

  test('the same roles in another order, or a role more or less, are not the stored roles', () => {
    const id = stored(['analysts', 'data-eng'], ['Viewer', 'User']);
    assert.deepEqual(currentIdentity(id, v1).roles, ['User', 'Viewer']);
    const fewer = stored(['analysts'], ['User', 'Viewer']);
    assert.deepEqual(currentIdentity(fewer, v1).roles, ['Viewer']);
    const none = stored(['others'], ['Viewer']);
    assert.deepEqual(currentIdentity(none, v1).roles, []);
  });
});
