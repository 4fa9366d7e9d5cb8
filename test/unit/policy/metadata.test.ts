import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DagMetadataSource, fetchDagMetadata, metadataAuthorization } from '../../../src/policy/index.ts';
import { Upstreams } from '../../../src/proxy/index.ts';
import { upstreamGet } from '../../../src/server/dag-metadata.ts';
import { Secret } from '../../../src/config/secret.ts';

const DAGS = Array.from({ length: 7 }, (_, i) => ({ dag_id: `d${i}`, tags: i % 2 ? [{ name: 'pci' }] : [], owners: [`o${i}`] }));

/** Airflow's DAG list API: /api/v1/dags (or under a prefix), paged by limit/offset. */
async function airflowStandIn(status = 200, prefix = ''): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.url} ${req.headers.authorization}`);
    const u = new URL(req.url!, 'http://x');
    if (u.pathname !== `${prefix}/api/v1/dags` || status !== 200) {
      res.writeHead(status === 200 ? 404 : status).end();
      return;
    }
    const limit = Number(u.searchParams.get('limit'));
    const offset = Number(u.searchParams.get('offset'));
    res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ dags: DAGS.slice(offset, offset + limit), total_entries: DAGS.length }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, seen };
}

/** The environment's undici pool, as the gateway builds it, sending `authorization`. */
function poolGet(url: string, authorization: string) {
  const upstreams = Upstreams.build({ prod: { upstream: url, airflow: 2, host: 'localhost', timeout: 2000, connect_timeout: 1000, connections: 4 } } as never);
  return { get: upstreamGet(() => upstreams.get('prod'), async () => ({ authorization })), close: () => upstreams.close() };
}

test('fetchDagMetadata pages through /api/v1/dags with the reader\'s credential', async () => {
  const { server, url, seen } = await airflowStandIn();
  const p = poolGet(url, 'Bearer svc');
  try {
    const snap = await fetchDagMetadata({ get: p.get, airflow: 2, timeout: 2000, pageSize: 3, now: () => 42 });
    assert.equal(snap.fetchedAt, 42);
    assert.equal(snap.dags.size, 7);
    assert.deepEqual(snap.dags.get('d1'), { tags: ['pci'], owners: ['o1'] });
    assert.deepEqual(seen, ['/api/v1/dags?limit=3&offset=0 Bearer svc', '/api/v1/dags?limit=3&offset=3 Bearer svc', '/api/v1/dags?limit=3&offset=6 Bearer svc']);
  } finally {
    await p.close();
    server.close();
  }
});

test('an environment served under a path prefix is read under it', async () => {
  const { server, url, seen } = await airflowStandIn(200, '/prod');
  const p = poolGet(url, 'Bearer svc');
  try {
    const snap = await fetchDagMetadata({ get: p.get, airflow: 2, pathPrefix: '/prod', timeout: 2000 });
    assert.equal(snap.dags.size, 7);
    assert.deepEqual(seen, ['/prod/api/v1/dags?limit=100&offset=0 Bearer svc']);
    await assert.rejects(fetchDagMetadata({ get: p.get, airflow: 2, pathPrefix: '/a/b', timeout: 2000 }), TypeError);
  } finally {
    await p.close();
    server.close();
  }
});

test('a failed refresh keeps the previous snapshot and records the error; a refusal rejects with its status', async () => {
  const ok = await airflowStandIn();
  const p = poolGet(ok.url, 'Bearer svc');
  const source = new DagMetadataSource({ get: p.get, airflow: 2, timeout: 2000, refresh: 60_000 });
  await source.start();
  const first = source.snapshot();
  assert.equal(first?.dags.size, 7);
  await p.close();
  ok.server.close();
  await source.refresh();
  assert.equal(source.snapshot(), first);
  assert.ok(source.lastError instanceof Error);
  source.stop();
  const bad = await airflowStandIn(403);
  const q = poolGet(bad.url, 'Bearer x');
  try {
    await assert.rejects(fetchDagMetadata({ get: q.get, airflow: 2, timeout: 2000 }), /403/);
  } finally {
    await q.close();
    bad.server.close();
  }
});

test('a page that is not JSON, or not a DAG list, is an error (never an empty snapshot)', async () => {
  const server = createServer((req, res) => {
    if (req.url!.includes('offset=0') && req.headers['x-case'] === 'html') res.writeHead(200, { 'content-type': 'text/html' }).end('<html>login</html>');
    else res.writeHead(200, { 'content-type': 'application/json' }).end('{"detail":"no dags key"}');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const upstreams = Upstreams.build({ prod: { upstream: url, airflow: 2, host: 'localhost', timeout: 2000, connect_timeout: 1000, connections: 4 } } as never);
  try {
    const html = upstreamGet(() => upstreams.get('prod'), async () => ({ 'x-case': 'html' }));
    await assert.rejects(fetchDagMetadata({ get: html, airflow: 2, timeout: 2000 }), /did not answer JSON/);
    const shape = upstreamGet(() => upstreams.get('prod'), async () => ({ 'x-case': 'shape' }));
    await assert.rejects(fetchDagMetadata({ get: shape, airflow: 2, timeout: 2000 }), /unexpected response shape/);
  } finally {
    await upstreams.close();
    server.close();
  }
});

test('metadataAuthorization builds Bearer and Basic headers from the secret', () => {
  assert.equal(metadataAuthorization({ token: new Secret('abc', 't'), scheme: 'bearer' }), 'Bearer abc');
  assert.equal(metadataAuthorization({ token: new Secret('u:p', 't'), scheme: 'basic' }), `Basic ${Buffer.from('u:p').toString('base64')}`);
});
