import assert from 'node:assert/strict';
import { request } from 'node:http';
import { after, before, describe, test } from 'node:test';
import type { TestStack } from '../gateway/harness.ts';
import { ENTERPRISE, ERROR, GROUP, ok, PATCH, patchOp, q, scim, SCIM_BASE, SCIM_TOKEN, scimError, scimStack, USER } from './support.ts';

/**
 * SCIM 2.0 over real HTTP through the gateway: the request sequences Okta and Entra ID send (shapes from their
 * public SCIM documentation: Okta's "SCIM 2.0 reference", Microsoft's "Develop and plan provisioning for a SCIM
 * endpoint" request/response examples), the discovery endpoints, and every hostile input refused with a SCIM error.
 */
let stack: TestStack;
before(async () => {
  stack = await scimStack({ scim: { max_body: 4096 } });
});
after(() => stack?.close());

describe('Okta-shaped provisioning sequence', () => {
  test('lookup, create (password never kept), read, profile PUT, deactivate by no-path replace, reactivate by PUT', async () => {
    const look = ok(await scim(stack, 'GET', `/Users?filter=${q('userName eq "okta.carol@example.com"')}&startIndex=1&count=100`), 200);
    assert.deepEqual(look, { schemas: ['urn:ietf:params:scim:api:messages:2.0:ListResponse'], totalResults: 0, startIndex: 1, itemsPerPage: 0, Resources: [] });
    const create = {
      schemas: [USER],
      userName: 'okta.carol@example.com',
      name: { givenName: 'Carol', familyName: 'Engineer' },
      emails: [{ primary: true, value: 'okta.carol@example.com', type: 'work' }],
      displayName: 'Carol Engineer',
      locale: 'en-US',
      externalId: '00ujl29u0le5T6Aj10h7',
      groups: [],
      password: '1mz050nq',
      active: true,
    };
    const made = await scim(stack, 'POST', '/Users', create);
    const u = ok(made, 201);
    assert.match(u.id, /^[0-9a-f-]{36}$/);
    assert.equal(made.headers.get('location'), `${stack.publicUrl}${SCIM_BASE}/Users/${u.id}`);
    assert.deepEqual([u.userName, u.active, u.externalId, u.displayName, u.locale, u.name.givenName], ['okta.carol@example.com', true, '00ujl29u0le5T6Aj10h7', 'Carol Engineer', 'en-US', 'Carol']);
    assert.equal(u.password, undefined, 'a password is never returned');
    assert.ok(!made.text.includes('1mz050nq'));
    assert.deepEqual(u.groups, []);
    assert.deepEqual(u.schemas, [USER]);
    assert.equal(u.meta.resourceType, 'User');
    const stored = await stack.gateway.worker!.services.store.db.selectFrom('scim_users').select('resource').where('id', '=', u.id).executeTakeFirstOrThrow();
    assert.ok(!stored.resource.includes('1mz050nq'), 'nor stored');

    const found = ok(await scim(stack, 'GET', `/Users?filter=${q('userName eq "OKTA.CAROL@example.com"')}&startIndex=1&count=100`), 200);
    assert.deepEqual([found.totalResults, found.Resources[0].id], [1, u.id], 'userName matches case-insensitively');
    assert.equal(ok(await scim(stack, 'GET', `/Users/${u.id}`), 200).userName, 'okta.carol@example.com');

    const put = ok(await scim(stack, 'PUT', `/Users/${u.id}`, { ...create, id: u.id, name: { givenName: 'Carol', familyName: 'Engineer-Smith' } }), 200);
    assert.equal(put.name.familyName, 'Engineer-Smith');
    assert.equal(put.meta.version, 'W/"2"');

    const off = ok(await scim(stack, 'PATCH', `/Users/${u.id}`, patchOp({ op: 'replace', value: { active: false } })), 200);
    assert.equal(off.active, false);
    const on = ok(await scim(stack, 'PUT', `/Users/${u.id}`, { ...create, active: true }), 200);
    assert.equal(on.active, true);
  });

  test('groups: create, read without members, add a member, rename with { id, displayName }, remove by members[value eq], delete', async () => {
    const user = ok(await scim(stack, 'POST', '/Users', { schemas: [USER], userName: 'okta.dave@example.com', active: true }), 201);
    ok(await scim(stack, 'GET', `/Groups?filter=${q('displayName eq "okta-analysts"')}&startIndex=1&count=100`), 200);
    const g = ok(await scim(stack, 'POST', '/Groups', { schemas: [GROUP], displayName: 'okta-analysts', members: [] }), 201);
    assert.deepEqual([g.displayName, g.members], ['okta-analysts', []]);
    const slim = ok(await scim(stack, 'GET', `/Groups/${g.id}?excludedAttributes=members`), 200);
    assert.equal(slim.members, undefined);
    assert.equal(slim.id, g.id);

    const added = ok(await scim(stack, 'PATCH', `/Groups/${g.id}`, patchOp({ op: 'add', path: 'members', value: [{ value: user.id, display: 'okta.dave@example.com' }] })), 200);
    assert.deepEqual(added.members.map((m: any) => [m.value, m.display]), [[user.id, 'okta.dave@example.com']]);
    assert.deepEqual(ok(await scim(stack, 'GET', `/Users/${user.id}`), 200).groups.map((x: any) => x.display), ['okta-analysts']);

    const renamed = ok(await scim(stack, 'PATCH', `/Groups/${g.id}`, patchOp({ op: 'replace', value: { id: g.id, displayName: 'okta-analysts-2' } })), 200);
    assert.equal(renamed.displayName, 'okta-analysts-2');
    const removed = ok(await scim(stack, 'PATCH', `/Groups/${g.id}`, patchOp({ op: 'remove', path: `members[value eq "${user.id}"]` })), 200);
    assert.deepEqual(removed.members, []);
    const del = await scim(stack, 'DELETE', `/Groups/${g.id}`);
    assert.equal(del.status, 204);
    assert.equal(del.text, '');
    scimError(await scim(stack, 'GET', `/Groups/${g.id}`), 404, 'AIRLOCK_SCIM_NOT_FOUND');
  });
});

describe('Entra ID-shaped provisioning sequence', () => {
  test('test connection query, create with the enterprise extension, Replace ops, "False" deactivation, delete', async () => {
    const probe = ok(await scim(stack, 'GET', `/Users?filter=${q('userName eq "non-existent user 6b4a1c1e-6f8e"')}`), 200);
    assert.equal(probe.totalResults, 0);
    const create = {
      schemas: [USER, ENTERPRISE],
      externalId: '0a21f0f2-8d2a-4f8e-bf98-7363c4aed4ef',
      userName: 'Test_User_ab6490ee-1e48-479e-a20b-2d77186b5dd1',
      active: true,
      emails: [{ primary: true, type: 'work', value: 'Test_User_fd0ea19b-0777-472c-9f96-4f70d2226f2e@testuser.com' }],
      meta: { resourceType: 'User' },
      name: { formatted: 'givenName familyName', familyName: 'familyName', givenName: 'givenName' },
      roles: [],
      [ENTERPRISE]: { department: 'Data', manager: { value: 'mgr-1' } },
    };
    const u = ok(await scim(stack, 'POST', '/Users', create), 201);
    assert.deepEqual(u.schemas, [USER, ENTERPRISE]);
    assert.deepEqual(u[ENTERPRISE], { department: 'Data', manager: { value: 'mgr-1' } });
    const byName = ok(await scim(stack, 'GET', `/Users?filter=${q(`userName eq "${create.userName}"`)}`), 200);
    assert.equal(byName.Resources[0].id, u.id);
    const byExt = ok(await scim(stack, 'GET', `/Users?filter=${q(`externalId eq "${create.externalId}"`)}`), 200);
    assert.equal(byExt.Resources[0].id, u.id);

    const multi = ok(await scim(stack, 'PATCH', `/Users/${u.id}`, patchOp({ op: 'Replace', path: 'emails[type eq "work"].value', value: 'updatedEmail@microsoft.com' }, { op: 'Replace', path: 'name.familyName', value: 'updatedFamilyName' })), 200);
    assert.deepEqual(multi.emails, [{ primary: true, type: 'work', value: 'updatedEmail@microsoft.com' }]);
    assert.equal(multi.name.familyName, 'updatedFamilyName');
    const single = ok(await scim(stack, 'PATCH', `/Users/${u.id}`, patchOp({ op: 'Replace', path: 'userName', value: '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com' })), 200);
    assert.equal(single.userName, '5b50642d-79fc-4410-9e90-4c077cdd1a59@testuser.com');
    const ext = ok(await scim(stack, 'PATCH', `/Users/${u.id}`, patchOp({ op: 'Add', path: `${ENTERPRISE}:department`, value: 'Finance' })), 200);
    assert.equal(ext[ENTERPRISE].department, 'Finance');
    const off = ok(await scim(stack, 'PATCH', `/Users/${u.id}`, { Operations: [{ op: 'Replace', path: 'active', value: 'False' }], schemas: [PATCH] }), 200);
    assert.equal(off.active, false);
    const offBool = ok(await scim(stack, 'PATCH', `/Users/${u.id}`, patchOp({ op: 'Replace', path: 'active', value: false })), 200);
    assert.equal(offBool.active, false);

    const del = await scim(stack, 'DELETE', `/Users/${u.id}`);
    assert.equal(del.status, 204);
    scimError(await scim(stack, 'GET', `/Users/${u.id}`), 404, 'AIRLOCK_SCIM_NOT_FOUND');
    assert.equal(ok(await scim(stack, 'GET', `/Users?filter=${q(`userName eq "${single.userName}"`)}`), 200).totalResults, 0);
    scimError(await scim(stack, 'DELETE', `/Users/${u.id}`), 404, 'AIRLOCK_SCIM_NOT_FOUND');
  });

  test('groups: create (with Entra\'s ADSCIM schema), query by displayName without members, "Add"/"Remove" member lists, "Replace" displayName', async () => {
    const a = ok(await scim(stack, 'POST', '/Users', { schemas: [USER], userName: 'entra.a@example.com', active: true }), 201);
    const b = ok(await scim(stack, 'POST', '/Users', { schemas: [USER], userName: 'entra.b@example.com', active: true }), 201);
    const g = ok(await scim(stack, 'POST', '/Groups', { schemas: [GROUP, 'http://schemas.microsoft.com/2006/11/ResourceManagement/ADSCIM/Group'], externalId: '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159', displayName: 'entra-group', meta: { resourceType: 'Group' } }), 201);
    assert.equal(g.externalId, '8aa1a0c0-c4c3-4bc0-b4a5-2ef676900159');
    const listed = ok(await scim(stack, 'GET', `/Groups?excludedAttributes=members&filter=${q('displayName eq "entra-group"')}`), 200);
    assert.deepEqual([listed.totalResults, listed.Resources[0].id, listed.Resources[0].members], [1, g.id, undefined]);
    ok(await scim(stack, 'PATCH', `/Groups/${g.id}`, patchOp({ name: 'addMember', op: 'Add', path: 'members', value: [{ $ref: null, value: a.id }, { $ref: null, value: b.id }] })), 200);
    const after = ok(await scim(stack, 'PATCH', `/Groups/${g.id}`, patchOp({ name: 'removeMember', op: 'Remove', path: 'members', value: [{ $ref: null, value: a.id }] })), 200);
    assert.deepEqual(after.members.map((m: any) => m.value), [b.id]);
    const renamed = ok(await scim(stack, 'PATCH', `/Groups/${g.id}`, patchOp({ op: 'Replace', path: 'displayName', value: '1879db59-updatedDisplayName' })), 200);
    assert.equal(renamed.displayName, '1879db59-updatedDisplayName');
    const put = ok(await scim(stack, 'PUT', `/Groups/${g.id}`, { schemas: [GROUP], displayName: 'entra-group-put', members: [{ value: a.id }] }), 200);
    assert.deepEqual([put.displayName, put.members.map((m: any) => m.value)], ['entra-group-put', [a.id]]);
  });
});

describe('paging', () => {
  test('startIndex and count page through users with the total; a count of 1e9 is capped at 100', async () => {
    for (let i = 0; i < 4; i++) ok(await scim(stack, 'POST', '/Users', { schemas: [USER], userName: `page.${i}@example.com` }), 201);
    const all = ok(await scim(stack, 'GET', '/Users?count=1e9'), 200);
    assert.equal(all.itemsPerPage, Math.min(all.totalResults, 100));
    assert.ok(all.totalResults >= 4);
    const page = ok(await scim(stack, 'GET', '/Users?startIndex=2&count=2'), 200);
    assert.deepEqual([page.startIndex, page.itemsPerPage, page.totalResults], [2, 2, all.totalResults]);
    assert.deepEqual(page.Resources.map((r: any) => r.id), all.Resources.slice(1, 3).map((r: any) => r.id));
    const none = ok(await scim(stack, 'GET', '/Users?count=0'), 200);
    assert.deepEqual([none.itemsPerPage, none.Resources, none.totalResults], [0, [], all.totalResults]);
    scimError(await scim(stack, 'GET', '/Users?count=lots'), 400, 'AIRLOCK_SCIM_INVALID_VALUE', 'invalidValue');
    const only = ok(await scim(stack, 'GET', `/Users/${all.Resources[0].id}?attributes=userName`), 200);
    assert.deepEqual(Object.keys(only).sort(), ['id', 'meta', 'schemas', 'userName']);
    const without = ok(await scim(stack, 'GET', `/Users/${all.Resources[0].id}?excludedAttributes=groups,name`), 200);
    assert.equal(without.groups, undefined);
    assert.equal(without.userName, all.Resources[0].userName);
  });
});

describe('discovery', () => {
  test('ServiceProviderConfig, ResourceTypes and Schemas describe what is served', async () => {
    const spc = ok(await scim(stack, 'GET', '/ServiceProviderConfig'), 200);
    assert.deepEqual([spc.patch.supported, spc.bulk.supported, spc.filter.supported, spc.filter.maxResults, spc.etag.supported], [true, false, true, 100, false]);
    assert.equal(spc.authenticationSchemes[0].type, 'oauthbearertoken');
    const types = ok(await scim(stack, 'GET', '/ResourceTypes'), 200);
    assert.deepEqual(types.Resources.map((r: any) => [r.id, r.endpoint, r.schema]), [['User', '/Users', USER], ['Group', '/Groups', GROUP]]);
    assert.equal(ok(await scim(stack, 'GET', '/ResourceTypes/Group'), 200).endpoint, '/Groups');
    const schemas = ok(await scim(stack, 'GET', '/Schemas'), 200);
    assert.deepEqual(schemas.Resources.map((s: any) => s.id), [USER, ENTERPRISE, GROUP]);
    assert.equal(ok(await scim(stack, 'GET', `/Schemas/${USER}`), 200).attributes[0].name, 'userName');
    scimError(await scim(stack, 'GET', '/Schemas/urn:example:unknown'), 404, 'AIRLOCK_SCIM_NOT_FOUND');
  });
});

describe('hostile or broken requests are refused with SCIM errors', () => {
  test('no bearer, a wrong one, another scheme, two Authorization headers: 401 with WWW-Authenticate', async () => {
    for (const r of [
      await scim(stack, 'GET', '/Users', undefined, { token: null }),
      await scim(stack, 'GET', '/Users', undefined, { token: `${SCIM_TOKEN}x` }),
      await scim(stack, 'GET', '/Users', undefined, { token: SCIM_TOKEN.slice(0, -1) }),
      await scim(stack, 'GET', '/Users', undefined, { token: null, headers: { authorization: `Basic ${Buffer.from(`x:${SCIM_TOKEN}`).toString('base64')}` } }),
      await scim(stack, 'POST', '/Users', { schemas: [USER], userName: 'intruder' }, { token: null }),
      await scim(stack, 'GET', '/ServiceProviderConfig', undefined, { token: null }),
    ]) {
      scimError(r, 401, 'AIRLOCK_SCIM_UNAUTHORIZED');
      assert.equal(r.headers.get('www-authenticate'), 'Bearer realm="airlock-scim"');
    }
    const twice = await rawGet(`${SCIM_BASE}/Users`, [['Host', new URL(stack.gatewayUrl).host], ['Authorization', `Bearer ${SCIM_TOKEN}`], ['Authorization', `Bearer ${SCIM_TOKEN}`]]);
    assert.equal(twice.status, 401, twice.body);
    assert.equal(JSON.parse(twice.body).schemas[0], ERROR);
    assert.equal(ok(await scim(stack, 'GET', `/Users?filter=${q('userName eq "intruder"')}`), 200).totalResults, 0, 'nothing was created');
  });

  test('filters: an unsupported operator or logic is invalidFilter; injection-like text in a value is only a value', async () => {
    for (const f of ['userName co "a"', 'userName eq "a" or 1=1', 'userName eq "x" or userName pr', 'title eq "x"', 'userName eq "a"; drop table scim_users', "userName eq 'a'"]) {
      scimError(await scim(stack, 'GET', `/Users?filter=${q(f)}`), 400, 'AIRLOCK_SCIM_INVALID_FILTER', 'invalidFilter');
    }
    scimError(await scim(stack, 'GET', `/Groups?filter=${q('displayName sw "a"')}`), 400, 'AIRLOCK_SCIM_INVALID_FILTER', 'invalidFilter');
    const before = ok(await scim(stack, 'GET', '/Users?count=0'), 200).totalResults;
    const inj = ok(await scim(stack, 'GET', `/Users?filter=${q(`userName eq "x' or '1'='1"`)}`), 200);
    assert.equal(inj.totalResults, 0);
    const inj2 = ok(await scim(stack, 'GET', `/Users?filter=${q('userName eq "x\\"; drop table scim_users; --"')}`), 200);
    assert.equal(inj2.totalResults, 0);
    assert.equal(ok(await scim(stack, 'GET', '/Users?count=0'), 200).totalResults, before, 'the table is intact');
  });

  test('bodies: over scim.max_body (declared or streamed) 413; malformed JSON 400; wrong media type 415; empty 400', async () => {
    const big = JSON.stringify({ schemas: [USER], userName: 'big', title: 'x'.repeat(5000) });
    scimError(await scim(stack, 'POST', '/Users', undefined, { raw: big }), 413, 'AIRLOCK_SCIM_BODY_TOO_LARGE');
    const streamed = await chunkedPost(`${SCIM_BASE}/Users`, big);
    assert.equal(streamed.status, 413);
    assert.equal(JSON.parse(streamed.body).schemas[0], ERROR);
    scimError(await scim(stack, 'POST', '/Users', undefined, { raw: '{"schemas":["' }), 400, 'AIRLOCK_SCIM_INVALID_SYNTAX', 'invalidSyntax');
    scimError(await scim(stack, 'POST', '/Users', undefined, { raw: '[' + '['.repeat(3000) }), 400, 'AIRLOCK_SCIM_INVALID_SYNTAX', 'invalidSyntax');
    scimError(await scim(stack, 'POST', '/Users', undefined, { raw: '' , headers: { 'content-type': 'application/scim+json' } }), 400, 'AIRLOCK_SCIM_INVALID_SYNTAX', 'invalidSyntax');
    scimError(await scim(stack, 'POST', '/Users', undefined, { raw: '"just a string"' }), 400, 'AIRLOCK_SCIM_INVALID_SYNTAX', 'invalidSyntax');
    scimError(await scim(stack, 'POST', '/Users', undefined, { raw: 'userName=x', headers: { 'content-type': 'application/x-www-form-urlencoded' } }), 415, 'AIRLOCK_SCIM_UNSUPPORTED_MEDIA_TYPE');
  });

  test('schemas: a missing core schema or an unknown schema or extension is invalidSyntax; a missing userName invalidValue', async () => {
    scimError(await scim(stack, 'POST', '/Users', { userName: 'noschema' }), 400, 'AIRLOCK_SCIM_INVALID_SYNTAX', 'invalidSyntax');
    scimError(await scim(stack, 'POST', '/Users', { schemas: [USER, 'urn:example:params:scim:schemas:extension:evil:2.0:User'], userName: 'evil' }), 400, 'AIRLOCK_SCIM_INVALID_SYNTAX', 'invalidSyntax');
    scimError(await scim(stack, 'POST', '/Users', { schemas: [USER], userName: 'evil', 'urn:example:evil:2.0:User': { admin: true } }), 400, 'AIRLOCK_SCIM_INVALID_SYNTAX', 'invalidSyntax');
    scimError(await scim(stack, 'POST', '/Users', { schemas: [GROUP], displayName: 'x' }), 400, 'AIRLOCK_SCIM_INVALID_SYNTAX', 'invalidSyntax');
    scimError(await scim(stack, 'POST', '/Groups', { schemas: [GROUP, 'urn:example:group:ext'], displayName: 'x' }), 400, 'AIRLOCK_SCIM_INVALID_SYNTAX', 'invalidSyntax');
    scimError(await scim(stack, 'POST', '/Users', { schemas: [USER], name: { givenName: 'x' } }), 400, 'AIRLOCK_SCIM_INVALID_VALUE', 'invalidValue');
    scimError(await scim(stack, 'POST', '/Users', { schemas: [USER], userName: 'typed', active: 'sometimes' }), 400, 'AIRLOCK_SCIM_INVALID_VALUE', 'invalidValue');
    scimError(await scim(stack, 'PATCH', `/Users/${(await anyUser()).id}`, { schemas: [USER], Operations: [{ op: 'replace', path: 'active', value: false }] }), 400, 'AIRLOCK_SCIM_INVALID_SYNTAX', 'invalidSyntax');
  });

  test('PATCH or PUT of id is a mutability error; nothing changes', async () => {
    const u = await anyUser();
    const other = '00000000-0000-4000-8000-000000000000';
    scimError(await scim(stack, 'PATCH', `/Users/${u.id}`, patchOp({ op: 'replace', path: 'id', value: other })), 400, 'AIRLOCK_SCIM_MUTABILITY', 'mutability');
    scimError(await scim(stack, 'PATCH', `/Users/${u.id}`, patchOp({ op: 'replace', value: { id: other, active: false } })), 400, 'AIRLOCK_SCIM_MUTABILITY', 'mutability');
    scimError(await scim(stack, 'PUT', `/Users/${u.id}`, { schemas: [USER], id: other, userName: u.userName }), 400, 'AIRLOCK_SCIM_MUTABILITY', 'mutability');
    scimError(await scim(stack, 'PATCH', `/Users/${u.id}`, patchOp({ op: 'add', path: 'groups', value: [{ value: other }] })), 400, 'AIRLOCK_SCIM_MUTABILITY', 'mutability');
    const g = ok(await scim(stack, 'POST', '/Groups', { schemas: [GROUP], displayName: 'immutable-id' }), 201);
    scimError(await scim(stack, 'PATCH', `/Groups/${g.id}`, patchOp({ op: 'replace', value: { id: other, displayName: 'x' } })), 400, 'AIRLOCK_SCIM_MUTABILITY', 'mutability');
    const again = ok(await scim(stack, 'GET', `/Users/${u.id}`), 200);
    assert.deepEqual([again.id, again.active, again.meta.version], [u.id, u.active, u.meta.version]);
    assert.equal(ok(await scim(stack, 'GET', `/Groups/${g.id}`), 200).displayName, 'immutable-id');
  });

  test('uniqueness: a duplicate userName (any case) or group displayName is 409 uniqueness, on create and on rename', async () => {
    const a = ok(await scim(stack, 'POST', '/Users', { schemas: [USER], userName: 'unique.one@example.com' }), 201);
    const b = ok(await scim(stack, 'POST', '/Users', { schemas: [USER], userName: 'unique.two@example.com' }), 201);
    scimError(await scim(stack, 'POST', '/Users', { schemas: [USER], userName: 'Unique.One@Example.com' }), 409, 'AIRLOCK_SCIM_UNIQUENESS', 'uniqueness');
    scimError(await scim(stack, 'PATCH', `/Users/${b.id}`, patchOp({ op: 'replace', path: 'userName', value: a.userName })), 409, 'AIRLOCK_SCIM_UNIQUENESS', 'uniqueness');
    ok(await scim(stack, 'POST', '/Groups', { schemas: [GROUP], displayName: 'unique-group' }), 201);
    scimError(await scim(stack, 'POST', '/Groups', { schemas: [GROUP], displayName: 'UNIQUE-group' }), 409, 'AIRLOCK_SCIM_UNIQUENESS', 'uniqueness');
  });

  test('unknown ids, unknown members, unknown endpoints, wrong methods', async () => {
    scimError(await scim(stack, 'GET', '/Users/00000000-0000-4000-8000-000000000000'), 404, 'AIRLOCK_SCIM_NOT_FOUND');
    scimError(await scim(stack, 'GET', `/Users/${q("1' or '1'='1")}`), 404, 'AIRLOCK_SCIM_NOT_FOUND');
    scimError(await scim(stack, 'PATCH', '/Groups/00000000-0000-4000-8000-000000000000', patchOp({ op: 'add', path: 'members', value: [{ value: 'x' }] })), 404, 'AIRLOCK_SCIM_NOT_FOUND');
    scimError(await scim(stack, 'POST', '/Groups', { schemas: [GROUP], displayName: 'ghosts', members: [{ value: '00000000-0000-4000-8000-000000000000' }] }), 400, 'AIRLOCK_SCIM_INVALID_VALUE', 'invalidValue');
    scimError(await scim(stack, 'GET', '/Bulk'), 404, 'AIRLOCK_SCIM_NOT_FOUND');
    const m = await scim(stack, 'DELETE', '/Users');
    scimError(m, 405, 'AIRLOCK_SERVER_METHOD_NOT_ALLOWED');
    assert.equal(m.headers.get('allow'), 'GET, POST');
  });

  test('SCIM off (no scim: in the config, after a reload): 404 for every SCIM path, with or without the token', async () => {
    await stack.writeConfig((cfg) => void delete cfg.scim);
    const holder = stack.gateway.worker!.services.holder;
    await holder.reload();
    try {
      for (const r of [await scim(stack, 'GET', '/Users'), await scim(stack, 'GET', '/ServiceProviderConfig', undefined, { token: null })]) {
        assert.equal(r.status, 404, r.text.slice(0, 300));
        assert.equal(r.body?.error, 'AIRLOCK_SERVER_NOT_FOUND');
      }
    } finally {
      await stack.writeConfig();
      await holder.reload();
    }
    ok(await scim(stack, 'GET', '/ServiceProviderConfig'), 200);
  });
});

async function anyUser(): Promise<any> {
  const list = ok(await scim(stack, 'GET', '/Users?count=1'), 200);
  if (list.Resources.length > 0) return list.Resources[0];
  return ok(await scim(stack, 'POST', '/Users', { schemas: [USER], userName: 'any@example.com' }), 201);
}

/** A GET with exactly these headers, repeated names kept (fetch would merge two Authorization headers). */
function rawGet(path: string, headers: Array<[string, string]>): Promise<{ status: number; body: string }> {
  const u = new URL(stack.gatewayUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'GET', headers: headers.flatMap(([k, v]) => [k, v]) as unknown as Record<string, string> }, (res) => {
      let body = '';
      res.on('data', (d) => (body += d));
      res.on('end', () => resolve({ status: res.statusCode!, body }));
    });
    req.on('error', reject);
    req.end();
  });
}

/** A POST whose body is streamed (chunked, no Content-Length), so only the streamed byte count can stop it. */
function chunkedPost(path: string, body: string): Promise<{ status: number; body: string }> {
  const u = new URL(stack.gatewayUrl);
  return new Promise((resolve, reject) => {
    const req = request({ host: u.hostname, port: u.port, path, method: 'POST', headers: { authorization: `Bearer ${SCIM_TOKEN}`, 'content-type': 'application/scim+json', 'transfer-encoding': 'chunked' } }, (res) => {
      let text = '';
      res.on('data', (d) => (text += d));
      res.on('end', () => resolve({ status: res.statusCode!, body: text }));
    });
    req.on('error', reject);
    for (let i = 0; i < body.length; i += 1000) req.write(body.slice(i, i + 1000));
    req.end();
  });
}
