import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AirlockConfig } from '../../../src/config/schema/index.ts';
import { Upstreams } from '../../../src/proxy/index.ts';

const base = { host: 'a.example.com', airflow: 2 as const, timeout: 1000, connect_timeout: 500, connections: 2 };

test('builds one pool per environment and refuses unusable upstream URLs with TypeError', async () => {
  const envs: AirlockConfig['environments'] = { prod: { ...base, upstream: 'http://airflow:8080/' }, dev: { ...base, upstream: 'https://[::1]' } };
  const u = Upstreams.build(envs);
  assert.equal(u.get('prod').origin, 'http://airflow:8080');
  assert.equal(u.get('prod').port, 8080);
  assert.equal(u.get('dev').hostname, '::1');
  assert.equal(u.get('dev').port, 443);
  assert.equal(u.get('dev').tls, true);
  assert.notEqual(u.get('prod').pool, u.get('dev').pool);
  assert.equal(u.get('prod').pool, u.get('prod').pool);
  assert.throws(() => u.get('nope'), TypeError);
  await u.close();
  assert.throws(() => u.get('prod'), TypeError);
  for (const bad of ['http://airflow:8080/base', 'http://user:pw@airflow', 'http://airflow/?x=1', 'ftp://airflow']) {
    assert.throws(() => Upstreams.build({ x: { ...base, upstream: bad } }), TypeError, bad);
  }
});
