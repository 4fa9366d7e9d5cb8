import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { DagMetadataSource, fetchDagMetadata } from '../../../src/policy/index.ts';

const DAGS = Array.from({ length: 7 }, (_, i) => ({ dag_id: `d${i}`, tags: i % 2 ? [{ name: 'pci' }] : [], owners: [`o${i}`] }));

async function airflowStandIn(status = 200): Promise<{ server: Server; url: string; seen: string[] }> {
  const seen: string[] = [];
  const server = createServer((req, res) => {
    seen.push(`${req.url} ${req.headers.authorization}`);
    const u = new URL(req.url!, 'http://x');
    if (u.pathname !== '/api/v1/dags' || status !== 200) {
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

test('fetchDagMetadata pages through /api/v1/dags with the service credential', async () => {
  const { server, url, seen } = await airflowStandIn();
  try {
    const snap = await fetchDagMetadata({ upstream: url, airflow: 2, authorization: 'Bearer svc', timeout: 2000, pageSize: 3, now: () => 42 });
    assert.equal(snap.fetchedAt, 42);
    assert.equal(snap.dags.size, 7);
    assert.deepEqual(snap.dags.get('d1'), { tags: ['pci'], owners: ['o1'] });
    assert.deepEqual(seen, ['/api/v1/dags?limit=3&offset=0 Bearer svc', '/api/v1/dags?limit=3&offset=3 Bearer svc', '/api/v1/dags?limit=3&offset=6 Bearer svc']);
  } finally {
    server.close();
  }
});

test('a failed refresh keeps the previous snapshot and records the error', async () => {
  const ok = await airflowStandIn();
  const source = new DagMetadataSource({ upstream: ok.url, airflow: 2, authorization: 'Bearer svc', timeout: 2000, refresh: 60_000 });
  await source.start();
  const first = source.snapshot();
  assert.equal(first?.dags.size, 7);
  ok.server.close();
  await source.refresh();
  assert.equal(source.snapshot(), first);
  assert.ok(source.lastError instanceof Error);
  source.stop();
  const bad = await airflowStandIn(403);
  try {
    await assert.rejects(fetchDagMetadata({ upstream: bad.url, airflow: 2, authorization: 'Bearer x', timeout: 2000 }), /403/);
  } finally {
    bad.server.close();
  }
});

test('metadataAuthorization builds Bearer and Basic headers from the secret', async () => {
  const { metadataAuthorization } = await import('../../../src/policy/index.ts');
  const { Secret } = await import('../../../src/config/secret.ts');
  assert.equal(metadataAuthorization({ token: new Secret('abc', 't'), scheme: 'bearer' }), 'Bearer abc');
  assert.equal(metadataAuthorization({ token: new Secret('u:p', 't'), scheme: 'basic' }), `Basic ${Buffer.from('u:p').toString('base64')}`);
});
