import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { describe, test } from 'node:test';
import { actionsNeedingApproval, bodySha256, checkDecidable, heldRequest, verifiedBody, viewOf } from '../../../src/approvals/index.ts';
import type { ApprovalRow } from '../../../src/store/index.ts';

const T0 = 1_750_000_000_000;
const body = Buffer.from('{"conf":{"x":1}}');
const base = heldRequest({
  requestId: 'r1', tokenId: 'tok_1', env: 'prod', method: 'POST', rawUrl: '/api/v1/dags/etl_a/dagRuns', host: 'h', target: '/api/v1/dags/etl_a/dagRuns', action: 'trigger', dagIds: ['etl_a'],
  requester: { kind: 'agent', sub: 'agent:bot', username: 'agent:bot', tokenName: 'bot', owner: { sub: 'alice', username: 'alice' } },
  client: { ip: '192.0.2.1', proto: 'http', host: 'h', port: 80 },
  rawHeaders: ['Content-Type', 'application/json', 'Authorization', 'Bearer alk_secret', 'Cookie', 'a=b', 'Accept', '*/*', 'X-Evil', '1'],
  body, now: T0, ttlMs: 900_000, maxBody: 1024,
});
const row = (over: Partial<ApprovalRow> = {}): ApprovalRow => ({ ...base, status: 'pending', decidedBy: null, decidedAt: null, executedAt: null, upstreamStatus: null, upstreamBody: null, upstreamContentType: null, error: null, ...over });
const bob = { sub: 'bob', username: 'bob' };
const rules = { ownerMayApprove: false };

describe('held request', () => {
  test('keeps the body verbatim with its SHA-256, only the allow-listed headers (never Authorization or cookies), and an expiry', () => {
    assert.deepEqual(base.body, body);
    assert.equal(base.bodySha256, createHash('sha256').update(body).digest('base64url'));
    assert.deepEqual(base.headers, [['content-type', 'application/json'], ['accept', '*/*']]);
    assert.equal(base.expiresAt, T0 + 900_000);
    assert.match(base.id, /^apr_[A-Za-z0-9_-]{22}$/);
  });

  test('a body over max_body is refused with AIRLOCK_APPROVAL_BODY_TOO_LARGE (413)', () => {
    assert.throws(() => heldRequest({ ...(base as any), rawHeaders: [], body: Buffer.alloc(1025), now: T0, ttlMs: 1, maxBody: 1024, client: base.client }), (e: any) => e.code === 'AIRLOCK_APPROVAL_BODY_TOO_LARGE' && e.status === 413);
  });

  test('actions needing approval: the token\'s own, plus approvals.agent_actions of the env for agent tokens only', () => {
    const forced = { prod: ['trigger', 'clear'] };
    assert.deepEqual(actionsNeedingApproval({ kind: 'agent', approvalActions: ['pause'] }, 'prod', forced), ['pause', 'trigger', 'clear']);
    assert.deepEqual(actionsNeedingApproval({ kind: 'agent', approvalActions: [] }, 'dev', forced), []);
    assert.deepEqual(actionsNeedingApproval({ kind: 'person', approvalActions: ['delete'] }, 'prod', forced), ['delete']);
  });
});

describe('approval state machine', () => {
  test('views: pending until expires_at, then expired; executing shows as approved; final states stay', () => {
    assert.equal(viewOf(row(), T0), 'pending');
    assert.equal(viewOf(row(), T0 + 900_000), 'expired');
    assert.equal(viewOf(row({ status: 'executing' }), T0 + 2_000_000), 'approved');
    for (const s of ['executed', 'failed', 'denied'] as const) assert.equal(viewOf(row({ status: s }), T0 + 2_000_000), s);
  });

  test('a pending request can be decided by another person who saw the same hash', () => {
    checkDecidable(row(), bob, base.bodySha256, rules, T0 + 1);
    checkDecidable(row(), bob, undefined, rules, T0 + 1);
  });

  test('refusals: decided / replayed (409), expired (410), the requester itself, the owner unless configured, a changed hash', () => {
    const code = (f: () => void, c: string) => assert.throws(f, (e: any) => e.code === c);
    for (const s of ['executing', 'executed', 'failed', 'denied'] as const) code(() => checkDecidable(row({ status: s }), bob, undefined, rules, T0), 'AIRLOCK_APPROVAL_NOT_PENDING');
    code(() => checkDecidable(row(), bob, undefined, rules, T0 + 900_000), 'AIRLOCK_APPROVAL_EXPIRED');
    code(() => checkDecidable(row(), { sub: 'agent:bot', username: 'agent:bot' }, undefined, rules, T0), 'AIRLOCK_APPROVAL_SELF');
    code(() => checkDecidable(row(), { sub: 'alice', username: 'alice' }, undefined, rules, T0), 'AIRLOCK_APPROVAL_SELF');
    checkDecidable(row(), { sub: 'alice', username: 'alice' }, undefined, { ownerMayApprove: true }, T0);
    const personal = row({ requester: { kind: 'person', sub: 'alice', username: 'alice', tokenName: 'cli', owner: { sub: 'alice', username: 'alice' } } });
    code(() => checkDecidable(personal, { sub: 'alice', username: 'alice' }, undefined, { ownerMayApprove: true }, T0), 'AIRLOCK_APPROVAL_SELF');
    code(() => checkDecidable(row(), bob, bodySha256(Buffer.from('{"conf":{"x":2}}')), rules, T0), 'AIRLOCK_APPROVAL_HASH_MISMATCH');
  });

  test('the performed body is the stored one, verified against the bound hash; a changed stored body is never sent', () => {
    assert.deepEqual(verifiedBody(row()), body);
    assert.throws(() => verifiedBody(row({ body: Buffer.from('{"conf":{"x":2}}') })), (e: any) => e.code === 'AIRLOCK_APPROVAL_BODY_CORRUPT' && e.status === 500);
  });
});

describe('returning to the approval page after sign-in or step-up', () => {
  test('the page of one held request is a safe place to return to; its form targets and other gateway paths are not', async () => {
    const { safeReturnTo } = await import('../../../src/identity/index.ts');
    const page = `/.airlock/approvals/${base.id}`;
    assert.equal(safeReturnTo(page), page);
    assert.equal(safeReturnTo(`${page}/approve`), '/');
    assert.equal(safeReturnTo('/.airlock/approvals/apr_short'), '/');
  });
});
