import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { ENTERPRISE_SCHEMA, PATCH_OP, parsePatch, parseUser, patchGroup, patchUser, USER_SCHEMA } from '../../../src/scim/index.ts';

const ID = '3b241101-e2bb-4255-8caf-4136c566a962';
const body = (...ops: unknown[]) => ({ schemas: [PATCH_OP], Operations: ops });
const user = () => ({
  schemas: [USER_SCHEMA],
  userName: 'carol@example.com',
  active: true,
  name: { givenName: 'Carol', familyName: 'Engineer' },
  emails: [{ value: 'carol@example.com', type: 'work', primary: true }],
});
const patched = (doc: Record<string, unknown>, ...ops: unknown[]) => {
  patchUser(doc, parsePatch(body(...ops)), ID);
  return parseUser(doc).values;
};
const scimType = (t: string) => (e: any) => e.details?.scimType === t && e.status === 400;

describe('PATCH of a user, as Okta and Entra ID send it', () => {
  test('Okta: replace without a path, value { active: false }', () => {
    assert.equal(patched(user(), { op: 'replace', value: { active: false } }).active, false);
  });
  test('Entra ID: "Replace" with path active and the string "False"; "Add" of a filtered email; name.familyName', () => {
    const v = patched(user(), { op: 'Replace', path: 'active', value: 'False' }, { op: 'Replace', path: 'emails[type eq "work"].value', value: 'c.e@example.com' }, { op: 'Replace', path: 'name.familyName', value: 'Engineer-Smith' });
    assert.equal(v.active, false);
    assert.deepEqual(v.resource.emails, [{ value: 'c.e@example.com', type: 'work', primary: true }]);
    assert.equal(v.emailKey, 'c.e@example.com');
    assert.deepEqual(v.resource.name, { givenName: 'Carol', familyName: 'Engineer-Smith' });
  });
  test('a filtered replace that matches nothing adds the value (Entra ID), and a no-path object may use paths as keys', () => {
    const v = patched(user(), { op: 'Add', value: { 'phoneNumbers[type eq "mobile"].value': '+1 555', 'name.givenName': 'Caro', displayName: 'Caro E' } });
    assert.deepEqual(v.resource.phoneNumbers, [{ type: 'mobile', value: '+1 555' }]);
    assert.equal((v.resource.name as any).givenName, 'Caro');
    assert.equal(v.resource.displayName, 'Caro E');
  });
  test('enterprise extension: by URN path, a manager id alone, and a no-path URN object', () => {
    const v = patched(user(), { op: 'Add', path: `${ENTERPRISE_SCHEMA}:department`, value: 'Data' }, { op: 'Add', path: `${ENTERPRISE_SCHEMA}:manager`, value: 'm-1' }, { op: 'replace', value: { [ENTERPRISE_SCHEMA]: { costCenter: 'CC1' } } });
    assert.deepEqual(v.resource[ENTERPRISE_SCHEMA], { department: 'Data', manager: { value: 'm-1' }, costCenter: 'CC1' });
  });
  test('remove: a simple attribute, a filtered element; userName cannot be removed', () => {
    const v = patched(user(), { op: 'remove', path: 'emails[type eq "work"]' }, { op: 'remove', path: 'name' });
    assert.equal(v.resource.emails, undefined);
    assert.equal(v.resource.name, undefined);
    assert.throws(() => patched(user(), { op: 'remove', path: 'userName' }), scimType('invalidValue'));
  });
  test('id: the same value is accepted (Okta sends it), another is a mutability error; groups and meta are read-only', () => {
    assert.equal(patched(user(), { op: 'replace', value: { id: ID, active: false } }).active, false);
    assert.throws(() => patched(user(), { op: 'replace', path: 'id', value: 'other' }), scimType('mutability'));
    assert.throws(() => patched(user(), { op: 'replace', value: { id: 'other' } }), scimType('mutability'));
    assert.throws(() => patched(user(), { op: 'remove', path: 'id' }), scimType('mutability'));
    assert.throws(() => patched(user(), { op: 'add', path: 'groups', value: [{ value: 'g' }] }), scimType('mutability'));
  });
  test('unknown attributes are ignored; a bad path, an unknown schema in a path, remove without a path are refused', () => {
    assert.equal(patched(user(), { op: 'replace', path: 'favouriteColour', value: 'blue' }).userName, 'carol@example.com');
    assert.throws(() => patched(user(), { op: 'replace', path: 'emails[type eq "work"', value: 'x' }), scimType('invalidPath'));
    assert.throws(() => patched(user(), { op: 'replace', path: 'urn:example:custom:2.0:User:x', value: 'x' }), scimType('invalidPath'));
    assert.throws(() => parsePatch(body({ op: 'remove' })), scimType('noTarget'));
    assert.throws(() => patched(user(), { op: 'replace', path: 'emails[type co "w"].value', value: 'x' }), scimType('invalidFilter'));
    assert.throws(() => patched(user(), { op: 'replace', path: 'active', value: 'maybe' }), scimType('invalidValue'));
  });
  test('a hostile key (__proto__) in a value object changes no prototype', () => {
    const doc: Record<string, unknown> = user();
    patchUser(doc, parsePatch(JSON.parse(`{"schemas":["${PATCH_OP}"],"Operations":[{"op":"add","path":"name","value":{"__proto__":{"polluted":true},"givenName":"X"}}]}`)), ID);
    assert.equal(({} as any).polluted, undefined);
    assert.equal(Object.getPrototypeOf(doc.name), Object.prototype);
    assert.deepEqual(doc.name, { givenName: 'X', familyName: 'Engineer' });
  });
  test('limits: more than 1000 operations, more than 10 000 members named, are refused', () => {
    assert.throws(() => parsePatch(body(...Array.from({ length: 1001 }, () => ({ op: 'add', path: 'title', value: 'x' })))), scimType('invalidSyntax'));
    const g = { displayName: 'g', externalId: null, members: new Set<string>() };
    assert.throws(() => patchGroup(g, parsePatch(body({ op: 'add', path: 'members', value: Array.from({ length: 10_001 }, (_, i) => ({ value: `u${i}` })) })), ID), scimType('invalidValue'));
  });
  test('attribute names are case-insensitive (kept under their canonical names)', () => {
    const v = parseUser({ SCHEMAS: [USER_SCHEMA], USERNAME: 'x', Active: false, NAME: { GivenName: 'A' }, Emails: [{ VALUE: 'A@B.C', Primary: true }] }).values;
    assert.deepEqual([v.userName, v.active, v.resource.name, v.emailKey], ['x', false, { givenName: 'A' }, 'a@b.c']);
  });
  test('PatchOp shape: schemas exactly PatchOp, Operations non-empty, op one of add/replace/remove (any case)', () => {
    for (const b of [{}, { schemas: [USER_SCHEMA], Operations: [{ op: 'add', value: {} }] }, { schemas: [PATCH_OP], Operations: [] }, { schemas: [PATCH_OP], Operations: [{ op: 'move', path: 'a' }] }, { schemas: [PATCH_OP], Operations: 'x' }, []]) {
      assert.throws(() => parsePatch(b), scimType('invalidSyntax'), JSON.stringify(b));
    }
    assert.throws(() => parsePatch(body({ op: 'add', path: 'displayName' })), scimType('invalidValue'));
    assert.equal(parsePatch(body({ op: 'REPLACE', path: 'active', value: true }))[0]!.op, 'replace');
  });
});

describe('PATCH of a group', () => {
  const group = () => ({ displayName: 'data-eng', externalId: null as string | null, members: new Set(['u1', 'u2']) });
  test('Okta: add members, remove one by members[value eq], rename with { id, displayName }', () => {
    const g = group();
    const named = patchGroup(g, parsePatch(body({ op: 'add', path: 'members', value: [{ value: 'u3', display: 'x' }] }, { op: 'remove', path: 'members[value eq "u1"]' }, { op: 'replace', value: { id: ID, displayName: 'data-engineering' } })), ID);
    assert.deepEqual([...g.members].sort(), ['u2', 'u3']);
    assert.equal(g.displayName, 'data-engineering');
    assert.deepEqual([...named].sort(), ['u1', 'u3']);
  });
  test('Entra ID: "Add" and "Remove" with a value list, "Replace" displayName', () => {
    const g = group();
    patchGroup(g, parsePatch(body({ op: 'Add', path: 'members', value: [{ $ref: null, value: 'u9' }] }, { op: 'Remove', path: 'members', value: [{ $ref: null, value: 'u2' }] }, { op: 'Replace', path: 'displayName', value: 'renamed' })), ID);
    assert.deepEqual([...g.members].sort(), ['u1', 'u9']);
    assert.equal(g.displayName, 'renamed');
  });
  test('replace members sets the list; remove members without a value clears it', () => {
    const g = group();
    patchGroup(g, parsePatch(body({ op: 'replace', path: 'members', value: [{ value: 'u7' }] })), ID);
    assert.deepEqual([...g.members], ['u7']);
    patchGroup(g, parsePatch(body({ op: 'remove', path: 'members' })), ID);
    assert.equal(g.members.size, 0);
  });
  test('refused: an id change, removing displayName, a nested group member, a member filter other than value', () => {
    assert.throws(() => patchGroup(group(), parsePatch(body({ op: 'replace', path: 'id', value: 'x' })), ID), scimType('mutability'));
    assert.throws(() => patchGroup(group(), parsePatch(body({ op: 'remove', path: 'displayName' })), ID), scimType('invalidValue'));
    assert.throws(() => patchGroup(group(), parsePatch(body({ op: 'add', path: 'members', value: [{ value: 'g2', type: 'Group' }] })), ID), scimType('invalidValue'));
    assert.throws(() => patchGroup(group(), parsePatch(body({ op: 'remove', path: 'members[display eq "x"]' })), ID), scimType('invalidPath'));
  });
});
