import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseConfig } from '../../../src/config/index.ts';
import { VALID } from './fixtures.ts';

const parse = (text: string, baseDir = '/srv/airlock') => parseConfig(text, { source: 'test.yaml', baseDir, env: { S: 'x' } });

test('defaults apply when whole sections are omitted (nested defaults included)', () => {
  const cfg = parse(VALID);
  assert.deepEqual(cfg.listen, { host: '0.0.0.0', port: 8080 });
  assert.equal(cfg.workers, 'auto');
  assert.deepEqual(cfg.log, { level: 'info' });
  assert.deepEqual(cfg.session, { idle_timeout: 8 * 3_600_000, absolute_timeout: 24 * 3_600_000, cache_ttl: 30_000, cache_entries: 10_000, claims_max_age: 15 * 60_000, claims_max_stale: 3_600_000 });
  assert.deepEqual(cfg.cookie, { same_site: 'lax', name: '__Host-airlock' });
  assert.deepEqual(cfg.assertion, { ttl: 300_000, rotate_every: 30 * 86_400_000, overlap: 86_400_000, plain_headers: true });
  assert.deepEqual(cfg.store, { kind: 'sqlite', path: '/srv/airlock/airlock.db', pool: 10 });
  assert.deepEqual(cfg.trusted_proxies, []);
  assert.equal(cfg.max_inspected_body, 1024 * 1024);
  assert.equal(cfg.idp.token_endpoint_auth_method, 'client_secret_basic');
  assert.deepEqual(cfg.idp.scopes, ['openid', 'profile', 'email']);
  assert.deepEqual(cfg.idp.claims, { subject: 'sub', username: 'preferred_username', email: 'email', name: 'name', groups: 'groups' });
  assert.equal(cfg.idp.timeout, 10_000);
  assert.equal(cfg.idp.clock_tolerance, 30);
  assert.equal(cfg.environments.prod!.timeout, 30_000);
  assert.equal(cfg.environments.prod!.connect_timeout, 5_000);
  assert.equal(cfg.environments.prod!.connections, 128);
});

test('defaults apply inside a partly written section', () => {
  const cfg = parse(`${VALID}session: { idle_timeout: 1h }\nassertion: { ttl: 2m }\n`.replace('client_id: airlock', 'client_id: airlock\n  claims: { groups: "https://example.com/groups" }'));
  assert.deepEqual(cfg.session, { idle_timeout: 3_600_000, absolute_timeout: 24 * 3_600_000, cache_ttl: 30_000, cache_entries: 10_000, claims_max_age: 15 * 60_000, claims_max_stale: 3_600_000 });
  assert.equal(cfg.assertion.ttl, 120_000);
  assert.equal(cfg.assertion.overlap, 86_400_000);
  assert.deepEqual(cfg.idp.claims, { subject: 'sub', username: 'preferred_username', email: 'email', name: 'name', groups: 'https://example.com/groups' });
});

test('sqlite store paths resolve against the config folder; :memory: stays; absolute stays', () => {
  assert.deepEqual(parse(`${VALID}store: sqlite:data/a.db\n`).store, { kind: 'sqlite', path: '/srv/airlock/data/a.db', pool: 10 });
  assert.deepEqual(parse(`${VALID}store: "sqlite::memory:"\n`).store, { kind: 'sqlite', path: ':memory:', pool: 10 });
  assert.deepEqual(parse(`${VALID}store: sqlite:/var/lib/a.db\n`).store, { kind: 'sqlite', path: '/var/lib/a.db', pool: 10 });
  assert.deepEqual(parse(`${VALID}store: { url: "sqlite:./b.db", pool: 3 }\n`).store, { kind: 'sqlite', path: '/srv/airlock/b.db', pool: 3 });
});

test('cookie name defaults to "airlock" on http://localhost', () => {
  const cfg = parse(VALID.replace('https://airflow.example.com', 'http://localhost:8080'));
  assert.equal(cfg.cookie.name, 'airlock');
});

test('role values become lists; public_url loses its trailing slash; listen parses', () => {
  const cfg = parse(VALID.replace('public_url: https://airflow.example.com', 'public_url: https://airflow.example.com/\nlisten: "[::1]:0"'));
  assert.deepEqual(cfg.roles, { 'airflow-admins': ['Admin'] });
  assert.equal(cfg.public_url, 'https://airflow.example.com');
  assert.deepEqual(cfg.listen, { host: '::1', port: 0 });
});
