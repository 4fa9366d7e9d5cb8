import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { compileRoleMapper } from '../../../src/identity/index.ts';
import { canonicalizeTarget, classify, compilePolicy } from '../../../src/policy/index.ts';
import type { TokenRow, UserRow } from '../../../src/store/index.ts';
import { compileTokens, decideForMachine, type MachinePrincipal } from '../../../src/tokens/index.ts';
import { tokenPrincipal } from '../../../src/tokens/principal.ts';
import { makeConfig } from '../policy/helpers.ts';

const cfg = makeConfig({
  tokens: { service_accounts: { 'etl-ci': { role: 'User', envs: ['prod'], dags: ['etl_*'], actions: ['read', 'trigger'] } } },
  dags: [{ env: 'prod', match: 'etl_secret_*', deny: { trigger: ['kind:agent'] } }],
  policy: { step_up: [{ env: 'prod', actions: ['clear'], within: '5m' }] },
});
const policy = compilePolicy(cfg);
const tokens = compileTokens(cfg);
const roles = compileRoleMapper(cfg.roles);
const now = Date.now();

const row = (over: Partial<TokenRow>): TokenRow => ({
  id: 'tok_AAAAAAAAAAAA', name: 'etl-main', kind: 'service', secretHash: 'x', ownerSub: 'sub-ada', serviceAccount: 'etl-ci',
  envs: ['prod'], dags: ['etl_*'], actions: ['read', 'trigger'], approvalActions: [], origin: 'cli', createdBy: 'cli:test',
  createdAt: now, expiresAt: now + 3_600_000, revokedAt: null, revokedBy: null, revokeReason: null, rotatedFrom: null, lastUsedAt: null, lastUsedIp: null, ...over,
});
const ada: UserRow = { sub: 'sub-ada', username: 'ada', email: 'ada@example.com', name: 'Ada', groups: ['data-eng'], firstLoginAt: now, lastLoginAt: now, disabledAt: null };

function decision(p: MachinePrincipal, env: 'prod' | 'dev', method: string, target: string) {
  const c = classify(policy, env === 'prod' ? 2 : 3, canonicalizeTarget(method, target));
  return decideForMachine(policy, p, env, c, { now });
}
const codes = (d: { reasons: readonly { code: string }[] }) => d.reasons.map((r) => r.code);

describe('a machine decision: the scopes AND the rights', () => {
  const svc = tokenPrincipal(row({}), ada, tokens.serviceAccounts.get('etl-ci'), roles);

  test('a service token inside its scope and its service account\'s role is allowed; the reasons name both', () => {
    const d = decision(svc, 'prod', 'POST', '/api/v1/dags/etl_daily/dagRuns');
    assert.equal(d.effect, 'allow');
    assert.deepEqual(codes(d).slice(0, 3), ['service_account', 'token_scope', 'token_scope']);
    assert.match(d.reasons[1]!.message, /token "etl-main" \(tok_AAAAAAAAAAAA, owner ada\)/);
    assert.match(d.reasons[2]!.message, /service account "etl-ci"/);
    assert.equal(svc.identity.username, 'svc:etl-ci');
    assert.deepEqual(svc.identity.roles, ['User']);
  });

  test('each scope refuses what it does not include, and says which', () => {
    assert.deepEqual(codes(decision(svc, 'prod', 'POST', '/api/v1/dags/finance_x/dagRuns')).at(-1), 'token_scope_dag');
    assert.deepEqual(codes(decision(svc, 'dev', 'POST', '/api/v2/dags/etl_daily/dagRuns')).at(-1), 'token_scope_env');
    assert.deepEqual(codes(decision(svc, 'prod', 'PATCH', '/api/v1/dags/etl_daily')).at(-1), 'token_scope_action');
    assert.deepEqual(codes(decision(svc, 'prod', 'GET', '/api/v1/dags')).at(-1), 'token_scope_all_dags');
    assert.deepEqual(codes(decision(svc, 'prod', 'GET', '/api/v1/pools')).at(-1), 'token_scope_not_dag');
  });

  test('a token wider than its service account is held to the account (both layers apply)', () => {
    const wide = tokenPrincipal(row({ dags: ['*'], envs: ['*'] }), ada, tokens.serviceAccounts.get('etl-ci'), roles);
    const d = decision(wide, 'prod', 'POST', '/api/v1/dags/finance_x/dagRuns');
    assert.equal(d.effect, 'deny');
    assert.match(d.reasons.at(-1)!.message, /^service account "etl-ci": dags \[etl_\*\] do not include DAG finance_x/);
  });

  test('a person token carries the owner\'s current groups: lose the group, lose the right', () => {
    const own = tokenPrincipal(row({ kind: 'person', serviceAccount: null, dags: ['*'], actions: ['read', 'trigger'] }), ada, undefined, roles);
    assert.equal(own.identity.username, 'ada');
    assert.equal(decision(own, 'prod', 'POST', '/api/v1/dags/finance_x/dagRuns').effect, 'allow');
    const demoted = tokenPrincipal(row({ kind: 'person', serviceAccount: null, dags: ['*'] }), { ...ada, groups: ['viewers'] }, undefined, roles);
    const d = decision(demoted, 'prod', 'POST', '/api/v1/dags/finance_x/dagRuns');
    assert.equal(d.effect, 'deny');
    assert.ok(codes(d).includes('role_missing_permission'));
    assert.match(d.reasons[0]!.message, /rights of owner ada as last known \(groups viewers; roles Viewer\)/);
  });

  test('an agent acts under its own name with the owner\'s rights, and kind:agent rules apply to it', () => {
    const agent = tokenPrincipal(row({ kind: 'agent', name: 'triage-bot', serviceAccount: null, dags: ['*'] }), ada, undefined, roles);
    assert.equal(agent.identity.username, 'agent:triage-bot');
    assert.equal(agent.subject.username, 'ada');
    assert.equal(decision(agent, 'prod', 'POST', '/api/v1/dags/etl_daily/dagRuns').effect, 'allow');
    const d = decision(agent, 'prod', 'POST', '/api/v1/dags/etl_secret_x/dagRuns');
    assert.equal(d.effect, 'deny');
    assert.ok(codes(d).includes('rule_deny'));
  });

  test('an action that needs a security key is refused to a machine (never a step-up)', () => {
    const own = tokenPrincipal(row({ kind: 'person', serviceAccount: null, dags: ['*'], actions: ['read', 'trigger', 'clear'] }), ada, undefined, roles);
    const d = decision(own, 'prod', 'POST', '/api/v1/dags/etl_daily/clearTaskInstances');
    assert.equal(d.effect, 'deny');
    assert.equal(codes(d).at(-1), 'machine_step_up');
  });
});

test('globs match literally apart from * and ?, including "-", "." and "/"', async () => {
  const { globToRegExp } = await import('../../../src/tokens/index.ts');
  assert.equal(globToRegExp('etl-ci-*').test('etl-ci-daily'), true);
  assert.equal(globToRegExp('etl.v?').test('etl.v2'), true);
  assert.equal(globToRegExp('etl.v?').test('etlxv2'), false);
  assert.equal(globToRegExp('repo:acme/etl:ref:refs/heads/*').test('repo:acme/etl:ref:refs/heads/main'), true);
  assert.equal(globToRegExp('a(b)+').test('a(b)+'), true);
});
