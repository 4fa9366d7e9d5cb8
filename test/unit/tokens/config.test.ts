import assert from 'node:assert/strict';
import { test } from 'node:test';
import { ConfigError, parseConfig } from '../../../src/config/index.ts';

const BASE = `public_url: https://airflow.example.com
idp: { issuer: https://idp.example.com, client_id: airlock, client_secret: "\${env:S}" }
policy: { roles: { etl_runner: { extends: [Viewer] } } }
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

test('tokens and machine_issuers: defaults', () => {
  const c = parse('');
  assert.equal(c.tokens.max_ttl, 30 * 86_400_000);
  assert.equal(c.tokens.default_ttl, 3_600_000);
  assert.deepEqual(c.tokens.rate_limit, { per_second: 10, burst: 20 });
  assert.ok(c.tokens.allowed_actions.includes('trigger'));
  assert.deepEqual(c.machine_issuers, []);
});

test('a full tokens and machine_issuers section loads', () => {
  const c = parse(`tokens:
  max_ttl: 7d
  allowed_actions: [read, trigger]
  rate_limit: { per_second: 2, burst: 5 }
  service_accounts:
    etl-ci: { role: etl_runner, envs: [prod], dags: ["etl_*"], actions: [read, trigger] }
machine_issuers:
  - issuer: https://token.actions.githubusercontent.com
    audiences: [https://airflow.example.com]
    algorithms: [RS256]
    map:
      - claims: { repository: acme/etl, ref: [refs/heads/main, "refs/tags/v*"] }
        service_account: etl-ci
`);
  assert.equal(c.tokens.service_accounts['etl-ci']!.role, 'etl_runner');
  assert.deepEqual(c.machine_issuers[0]!.map[0]!.claims.ref, ['refs/heads/main', 'refs/tags/v*']);
  assert.equal(c.machine_issuers[0]!.subject_claim, 'sub');
  assert.equal(c.machine_issuers[0]!.jwks_cooldown, 30_000);
});

test('every problem is reported at once, each at its YAML path', () => {
  const p = problems(`tokens:
  max_ttl: 400d
  default_ttl: 500d
  allowed_actions: [read]
  service_accounts:
    etl-ci: { role: Root, envs: [prod, staging], actions: [trigger], dags: ["etl/*"] }
    Bad Name: { role: User }
machine_issuers:
  - issuer: http://idp.example.com
    audiences: []
    algorithms: [HS256, none]
    map: [{ claims: {}, service_account: nobody }]
  - issuer: http://idp.example.com
    audiences: [x]
    map: [{ claims: { sub: x }, service_account: etl-ci }]
`);
  assert.match(p['tokens.max_ttl']!, /366d/);
  assert.match(p['tokens.default_ttl']!, /max_ttl/);
  assert.match(p['tokens.service_accounts.etl-ci.role']!, /unknown role "Root"/);
  assert.match(p['tokens.service_accounts.etl-ci.envs[1]']!, /unknown environment "staging"/);
  assert.match(p['tokens.service_accounts.etl-ci.actions[0]']!, /not in tokens.allowed_actions/);
  assert.match(p['tokens.service_accounts.etl-ci.dags[0]']!, /glob/);
  assert.ok(Object.keys(p).some((k) => k.startsWith('tokens.service_accounts') && /Bad Name/.test(k)), JSON.stringify(p));
  assert.match(p['machine_issuers[0].issuer']!, /https/);
  assert.ok(p['machine_issuers[0].audiences'], 'an empty audience list');
  assert.match(p['machine_issuers[0].algorithms[0]']!, /asymmetric/);
  assert.match(p['machine_issuers[0].algorithms[1]']!, /asymmetric/);
  assert.match(p['machine_issuers[0].map[0].claims']!, /at least one claim/);
  assert.match(p['machine_issuers[0].map[0].service_account']!, /unknown service account "nobody"/);
  assert.match(p['machine_issuers[1].issuer']!, /listed twice|https/);
});

test('tokens.personal_ttl (airlock login): default 8h, never longer than max_ttl', async () => {
  const { device } = await import('../../../src/tokens/index.ts');
  const c = parse('');
  assert.equal(c.tokens.personal_ttl, 8 * 3_600_000);
  assert.equal(device.personalTtl(c), 8 * 3_600_000);
  assert.equal(device.personalTtl(parse('tokens: { personal_ttl: 30m }\n')), 30 * 60_000);
  assert.equal(device.personalTtl(parse('tokens: { max_ttl: 2h, default_ttl: 1h, personal_ttl: 8h }\n')), 2 * 3_600_000);
  assert.ok(problems('tokens: { personal_ttl: soon }\n')['tokens.personal_ttl'], 'a bad duration is reported at its path');
});
