import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../../src/config/index.ts';

const BASE = `public_url: https://airflow.example.com
idp: { issuer: https://idp.example.com, client_id: airlock, client_secret: "\${env:S}" }
environments:
  prod: { host: airflow.example.com, upstream: "http://airflow-prod:8080", airflow: 2 }
`;
const parse = (extra: string) => parseConfig(BASE + extra, { source: 'airlock.yaml', baseDir: '/tmp', env: { S: 's' } });
const problems = (extra: string): Record<string, string> => {
  try {
    parse(extra);
  } catch (e) {
    if (e instanceof ConfigError) return Object.fromEntries(e.problems.map((p) => [p.path, p.message]));
    throw e;
  }
  return {};
};

test('approvals: defaults (15m, 256 KiB, 64 KiB kept, 5m step-up, owners may not approve, nothing forced)', () => {
  const c = parse('');
  assert.deepEqual({ ...c.approvals }, { ttl: 900_000, max_body: 262_144, max_response: 65_536, step_up_within: 300_000, owner_may_approve: false, agent_actions: {} });
});

test('approvals: agent_actions per environment; every problem reported with its path', () => {
  const c = parse('approvals: { ttl: 30m, agent_actions: { prod: [trigger, clear, pause, delete] } }\n');
  assert.equal(c.approvals.ttl, 1_800_000);
  assert.deepEqual(c.approvals.agent_actions.prod, ['trigger', 'clear', 'pause', 'delete']);
  const p = problems('approvals: { ttl: 10s, max_body: 10, step_up_within: 2h, agent_actions: { staging: [trigger], prod: [fly] } }\n');
  assert.match(p['approvals.ttl'] ?? '', /between 1m and 7d/);
  assert.ok(p['approvals.max_body'], JSON.stringify(p));
  assert.match(p['approvals.step_up_within'] ?? '', /between 10s and 1h/);
  assert.match(p['approvals.agent_actions.staging'] ?? '', /unknown environment "staging"/);
  assert.match(p['approvals.agent_actions.prod[0]'] ?? '', /must be one of/);
});
