import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { Pool } from 'undici';
import { forwardBuffered, type Upstream } from '../../../src/proxy/index.ts';

describe('forwardBuffered (a held request performed on approval)', () => {
  const seen: { method: string; url: string; body: Buffer; headers: Record<string, unknown> }[] = [];
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, body: Buffer.concat(chunks), headers: req.headers });
      res.writeHead(201, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ pad: 'y'.repeat(5000) }));
    });
  });
  let upstream: Upstream;
  before(async () => {
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const { port } = server.address() as AddressInfo;
    const origin = `http://127.0.0.1:${port}`;
    upstream = { name: 'prod', env: {} as never, origin, hostname: '127.0.0.1', port, tls: false, pool: new Pool(origin), tlsOptions: undefined };
  });
  after(async () => {
    await upstream.pool.close();
    server.close();
  });

  test('sends the body byte for byte with its length; keeps at most max_response bytes of the answer', async () => {
    const body = Buffer.from([0x7b, 0x22, 0xc3, 0xa9, 0x22, 0x7d]);
    const r = await forwardBuffered(upstream, { method: 'POST', target: '/api/v1/dags/x/dagRuns', headers: { 'content-type': 'application/json' }, body, maxResponse: 1024 });
    assert.equal(r.status, 201);
    assert.equal(r.contentType, 'application/json');
    assert.equal(r.body.length, 1024);
    assert.equal(r.truncated, true);
    assert.deepEqual(seen.at(-1)!.body, body);
    assert.equal(seen.at(-1)!.headers['content-length'], String(body.length));
  });

  test('an unreachable upstream is AIRLOCK_PROXY_UPSTREAM_UNAVAILABLE; a bad target is a TypeError', async () => {
    const dead: Upstream = { ...upstream, name: 'dead', origin: 'http://127.0.0.1:1', port: 1, pool: new Pool('http://127.0.0.1:1') };
    await assert.rejects(forwardBuffered(dead, { method: 'POST', target: '/x', headers: {}, body: Buffer.alloc(0), maxResponse: 1024 }), (e: any) => e.code === 'AIRLOCK_PROXY_UPSTREAM_UNAVAILABLE');
    await dead.pool.close();
    await assert.rejects(forwardBuffered(upstream, { method: 'POST', target: 'http://evil/x', headers: {}, body: Buffer.alloc(0), maxResponse: 1024 }), TypeError);
  });
});
