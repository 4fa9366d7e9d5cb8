import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { AirlockConfig } from '../../../src/config/schema/index.ts';
import { Secret } from '../../../src/config/secret.ts';
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

test('an https upstream gets its environment tls (ca, client certificate, server name) with verification always on', async () => {
  const key = new Secret('KEY-PEM', 'file:/etc/airlock/airlock.key');
  const u = Upstreams.build(
    { prod: { ...base, upstream: 'https://airflow:8443', tls: { ca: 'CA-PEM', client_cert: 'CERT-PEM', client_key: key, server_name: 'airflow.internal' } }, pub: { ...base, upstream: 'https://airflow.example.net' } },
    { tls: { rejectUnauthorized: false, minVersion: 'TLSv1.2' } },
  );
  try {
    assert.deepEqual(u.get('prod').tlsOptions, { minVersion: 'TLSv1.2', ca: 'CA-PEM', cert: 'CERT-PEM', key: 'KEY-PEM', servername: 'airflow.internal', rejectUnauthorized: true });
    assert.deepEqual(u.get('pub').tlsOptions, { minVersion: 'TLSv1.2', rejectUnauthorized: true }, 'process-wide options, never unverified');
  } finally {
    await u.close();
  }
  const plain = Upstreams.build({ pub: { ...base, upstream: 'https://airflow.example.net' } });
  assert.equal(plain.get('pub').tlsOptions, undefined, "Node's defaults (public CAs, verified)");
  await plain.close();
  assert.throws(() => Upstreams.build({ x: { ...base, upstream: 'http://airflow:8080', tls: { ca: 'CA-PEM' } } }), /only to an https:\/\/ upstream/);
  assert.throws(() => Upstreams.build({ x: { ...base, upstream: 'https://airflow', tls: { client_cert: 'CERT-PEM' } } }), /go together/);
});
