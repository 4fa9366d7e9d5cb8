import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { startRecordingUpstream, type RecordingUpstream } from './support/recording-upstream.ts';
import { startGateway, oneEnv, type Gateway } from './support/gateway.ts';
import { rawRequest } from './support/raw.ts';
import type { ForwardResult } from '../../../src/proxy/index.ts';

describe('response relay', () => {
  let up: RecordingUpstream;
  let gw: Gateway;
  let upstreamResponseClosed: Promise<void> | undefined;
  before(async () => {
    up = await startRecordingUpstream((req, res) => {
      switch (req.url) {
        case '/cookies':
          res.setHeader('Set-Cookie', ['session=abc; Path=/; HttpOnly', 'csrf=x%20y; Path=/; SameSite=Lax']);
          res.setHeader('Connection', 'X-Internal');
          res.setHeader('X-Internal', 'secret-hop');
          res.setHeader('Keep-Alive', 'timeout=99');
          res.setHeader('Proxy-Authenticate', 'Basic');
          res.setHeader('X-End-To-End', 'kept');
          res.end('cookies');
          return;
        case '/hostile-cookies':
          // an upstream trying to swap the person's gateway session, end it, and replace the login binding
          res.setHeader('Set-Cookie', ['session=abc; Path=/', '__Host-airlock=stolen; Path=/; Secure', '__host-AIRLOCK=; Max-Age=0', '__Host-airlock-login=x', 'pref=1']);
          res.end('ok');
          return;
        case '/teapot':
          res.writeHead(418, { 'content-type': 'text/plain' });
          res.end('short and stout');
          return;
        case '/empty':
          res.writeHead(204, { 'x-kind': 'no-content' });
          res.end();
          return;
        case '/cached':
          res.writeHead(304, { etag: '"v1"' });
          res.end();
          return;
        case '/slow': {
          res.writeHead(200, { 'content-type': 'text/plain' });
          res.write('first chunk\n');
          const t = setInterval(() => res.write('more\n'), 50);
          upstreamResponseClosed = new Promise((r) => res.on('close', () => {
            clearInterval(t);
            r();
          }));
          return;
        }
        default:
          res.writeHead(200, { 'content-type': 'text/plain', 'content-length': '5' });
          res.end(req.method === 'HEAD' ? undefined : 'hello');
      }
    });
    gw = await startGateway({ environments: oneEnv(up.url), protectedCookies: new Set(['__host-airlock', '__host-airlock-login']) });
  });
  after(async () => {
    await gw.close();
    await up.close();
  });

  const get = (path: string, method = 'GET') => rawRequest(gw.port, `${method} ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);

  test('Set-Cookie values are kept as sent; hop-by-hop response headers are removed', async () => {
    const res = await get('/cookies');
    assert.equal(res.status, 200);
    const setCookies = res.text.split('\r\n').filter((l) => l.toLowerCase().startsWith('set-cookie:'));
    assert.deepEqual(setCookies, ['set-cookie: session=abc; Path=/; HttpOnly', 'set-cookie: csrf=x%20y; Path=/; SameSite=Lax']);
    assert.equal(res.headers['x-internal'], undefined);
    assert.equal(res.headers['keep-alive'], undefined);
    assert.equal(res.headers['proxy-authenticate'], undefined);
    assert.equal(res.headers['x-end-to-end'], 'kept');
    assert.equal(res.body, 'cookies');
    const r = gw.results.at(-1) as ForwardResult;
    assert.equal(r.status, 200);
    assert.equal(r.complete, true);
    assert.ok(typeof r.upstreamMs === 'number' && r.upstreamMs >= 0 && r.upstreamMs < 5000);
  });

  test("Set-Cookie for the gateway's own cookies is dropped (in any letter case) and reported; the upstream's own cookies pass", async () => {
    const res = await get('/hostile-cookies');
    assert.equal(res.status, 200);
    const setCookies = res.text.split('\r\n').filter((l) => l.toLowerCase().startsWith('set-cookie:'));
    assert.deepEqual(setCookies, ['set-cookie: session=abc; Path=/', 'set-cookie: pref=1']);
    assert.deepEqual((gw.results.at(-1) as ForwardResult).droppedCookies, ['__host-airlock', '__host-airlock', '__host-airlock-login']);
    const plain = await get('/cookies');
    assert.equal((gw.results.at(-1) as ForwardResult).droppedCookies, undefined, 'nothing reported when nothing was dropped');
    assert.equal(plain.status, 200);
  });

  test('status codes are relayed; HEAD, 204 and 304 carry no body', async () => {
    const teapot = await get('/teapot');
    assert.equal(teapot.status, 418);
    assert.equal(teapot.body, 'short and stout');
    const head = await get('/hello', 'HEAD');
    assert.equal(head.status, 200);
    assert.equal(head.headers['content-length'], '5');
    assert.equal(head.body, '');
    const empty = await get('/empty');
    assert.equal(empty.status, 204);
    assert.equal(empty.headers['x-kind'], 'no-content');
    assert.equal(empty.body, '');
    const cached = await get('/cached');
    assert.equal(cached.status, 304);
    assert.equal(cached.headers['etag'], '"v1"');
    assert.equal(cached.body, '');
  });

  test('a client leaving mid-response aborts the upstream request and reports complete: false', async () => {
    await new Promise<void>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error('no data')), 3000);
      const req = http.get({ host: '127.0.0.1', port: gw.port, path: '/slow' }, (res) => {
        res.once('data', () => {
          clearTimeout(timer);
          req.destroy();
          resolve();
        });
      });
      req.on('error', () => {});
    });
    assert.ok(upstreamResponseClosed);
    let t: NodeJS.Timeout | undefined;
    await Promise.race([upstreamResponseClosed, new Promise((_, rej) => (t = setTimeout(() => rej(new Error('upstream still streaming')), 3000)))]);
    clearTimeout(t);
    for (let i = 0; i < 50 && (gw.results.at(-1) as ForwardResult).complete !== false; i++) await new Promise((r) => setTimeout(r, 20));
    const last = gw.results.at(-1) as ForwardResult;
    assert.equal(last.status, 200);
    assert.equal(last.complete, false);
  });
});
