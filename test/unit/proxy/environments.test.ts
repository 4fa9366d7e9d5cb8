import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AirlockConfig } from '../../../src/config/schema/index.ts';
import { compileEnvironments, isPublicHost, selectEnvironment } from '../../../src/proxy/index.ts';
import { code } from '../../support/error-code.ts';

type Envs = AirlockConfig['environments'];
const base = { airflow: 2 as const, timeout: 30_000, connect_timeout: 5_000, connections: 4 };
const envs: Envs = {
  prod: { ...base, host: 'Airflow.Example.com', upstream: 'http://prod:8080' },
  staging: { ...base, host: 'airflow.example.com', path_prefix: '/staging', upstream: 'http://staging:8080' },
  dev: { ...base, host: 'dev.example.com:8443', upstream: 'http://dev:8080' },
  team: { ...base, path_prefix: '/team', upstream: 'http://team:8080' },
  lab: { ...base, path_prefix: '/lab', upstream: 'http://lab:8080' },
};
const c = compileEnvironments(envs, 'https://gw.example.com');

test('selects by host, case-insensitive, any port when the config has none', () => {
  for (const h of ['airflow.example.com', 'AIRFLOW.EXAMPLE.COM', 'airflow.example.com:443', 'airflow.example.com:8080']) {
    const s = selectEnvironment(c, h, '/home');
    assert.equal(s.name, 'prod', h);
    assert.equal(s.pathWithinEnv, '/home');
    assert.equal(s.prefix, '');
  }
});

test('a configured port must match exactly', () => {
  assert.equal(selectEnvironment(c, 'dev.example.com:8443', '/').name, 'dev');
  assert.equal(code(() => selectEnvironment(c, 'dev.example.com', '/')), 'AIRLOCK_PROXY_UNKNOWN_HOST');
  assert.equal(code(() => selectEnvironment(c, 'dev.example.com:443', '/')), 'AIRLOCK_PROXY_UNKNOWN_HOST');
});

test('path prefixes match whole segments; the prefix is removed from pathWithinEnv only', () => {
  const s = selectEnvironment(c, 'airflow.example.com', '/staging/api/v1/dags?limit=5');
  assert.equal(s.name, 'staging');
  assert.equal(s.pathWithinEnv, '/api/v1/dags?limit=5');
  assert.equal(s.prefix, '/staging');
  assert.equal(selectEnvironment(c, 'airflow.example.com', '/staging').pathWithinEnv, '/');
  assert.equal(selectEnvironment(c, 'airflow.example.com', '/staging?x=1').pathWithinEnv, '/?x=1');
  assert.equal(selectEnvironment(c, 'airflow.example.com', '/staging/').pathWithinEnv, '/');
  // Not a segment match: falls to the host-only environment.
  assert.equal(selectEnvironment(c, 'airflow.example.com', '/stagingx/api').name, 'prod');
  assert.equal(selectEnvironment(c, 'airflow.example.com', '/Staging/api').name, 'prod', 'paths are case-sensitive');
});

test('environments without host are served at public_url host', () => {
  assert.equal(selectEnvironment(c, 'gw.example.com', '/team/home').name, 'team');
  assert.equal(selectEnvironment(c, 'gw.example.com:443', '/lab').name, 'lab');
  assert.equal(code(() => selectEnvironment(c, 'gw.example.com', '/teamwork')), 'AIRLOCK_PROXY_NO_ENVIRONMENT');
  assert.equal(code(() => selectEnvironment(c, 'gw.example.com', '/')), 'AIRLOCK_PROXY_NO_ENVIRONMENT');
  assert.equal(code(() => selectEnvironment(c, 'airflow.example.com:1', '/team')), undefined, 'host-only prod takes it');
  assert.equal(selectEnvironment(c, 'airflow.example.com', '/team').name, 'prod');
  assert.ok(isPublicHost(c, 'GW.example.com:443'));
  assert.ok(!isPublicHost(c, 'airflow.example.com'));
});

test('refuses missing, malformed and unknown hosts with distinct codes', () => {
  assert.equal(code(() => selectEnvironment(c, undefined, '/')), 'AIRLOCK_PROXY_MISSING_HOST');
  assert.equal(code(() => selectEnvironment(c, '', '/')), 'AIRLOCK_PROXY_MISSING_HOST');
  for (const bad of ['airflow.example.com.', 'airflow.example.com.:443', 'airflow.example.com:', 'airflow.example.com:99999', 'airflow.example.com:0', 'user@airflow.example.com', 'airflow.example.com/x', 'airflow..example.com', '-a.example.com', 'a b', '[::1', '[fe80::1%25eth0]', 'ä.example.com']) {
    assert.equal(code(() => selectEnvironment(c, bad, '/')), 'AIRLOCK_PROXY_BAD_HOST', bad);
  }
  assert.equal(code(() => selectEnvironment(c, 'evil.example.com', '/')), 'AIRLOCK_PROXY_UNKNOWN_HOST');
  assert.equal(code(() => selectEnvironment(c, '[::1]:8080', '/')), 'AIRLOCK_PROXY_UNKNOWN_HOST');
  try {
    selectEnvironment(c, 'evil.example.com', '/');
  } catch (e) {
    assert.equal((e as { status: number }).status, 421);
  }
});

test('a more specific environment wins: explicit host over public_url for the same prefix', () => {
  const e: Envs = {
    a: { ...base, path_prefix: '/x', upstream: 'http://a:1' },
    b: { ...base, host: 'gw.example.com', path_prefix: '/x', upstream: 'http://b:1' },
    c: { ...base, host: 'gw.example.com', upstream: 'http://c:1' },
  };
  const cc = compileEnvironments(e, 'https://gw.example.com');
  assert.equal(selectEnvironment(cc, 'gw.example.com', '/x/y').name, 'b');
  assert.equal(selectEnvironment(cc, 'gw.example.com', '/y').name, 'c');
});

test('bad configuration is a TypeError at compile time', () => {
  assert.throws(() => compileEnvironments({ a: { ...base, host: 'a.example.com.', upstream: 'http://a:1' } }, 'https://gw.example.com'), TypeError);
  assert.throws(() => compileEnvironments({ a: { ...base, path_prefix: '/a/b', upstream: 'http://a:1' } }, 'https://gw.example.com'), TypeError);
  assert.throws(() => compileEnvironments(envs, 'not a url'), TypeError);
});
