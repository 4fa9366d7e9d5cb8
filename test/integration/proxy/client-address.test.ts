import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { clientAddress, compileTrustedProxies, type TrustedProxies } from '../../../src/proxy/index.ts';

/** A real dual-stack server (listening on "::") that answers with clientAddress() for the trust list in the path. */
describe('clientAddress over real connections (IPv4-mapped and IPv6 peers)', () => {
  let server: http.Server;
  let port: number;
  const lists: Record<string, TrustedProxies> = {
    none: compileTrustedProxies([]),
    v4: compileTrustedProxies(['127.0.0.0/8']),
    v6: compileTrustedProxies(['::1']),
    mapped: compileTrustedProxies(['::ffff:127.0.0.0/104']),
  };
  before(async () => {
    server = http.createServer((req, res) => {
      try {
        const a = clientAddress(lists[req.url!.slice(1)]!, req);
        res.end(JSON.stringify({ peer: req.socket.remoteAddress, ...a }));
      } catch (e) {
        res.writeHead(400);
        res.end(JSON.stringify({ error: (e as { code?: string }).code }));
      }
    });
    await new Promise<void>((r) => server.listen(0, '::', r));
    port = (server.address() as AddressInfo).port;
  });
  after(async () => {
    server.closeAllConnections();
    await new Promise<void>((r) => server.close(() => r()));
  });

  const ask = (host: string, list: string, headers: Record<string, string>) =>
    new Promise<Record<string, unknown>>((resolve, reject) => {
      http
        .get({ host, port, path: `/${list}`, headers: { ...headers, connection: 'close' } }, (res) => {
          let s = '';
          res.on('data', (d) => (s += d));
          res.on('end', () => resolve(JSON.parse(s) as Record<string, unknown>));
        })
        .on('error', reject);
    });
  const spoof = { 'x-forwarded-for': '198.51.100.1', 'x-forwarded-proto': 'https', 'x-forwarded-host': 'airflow.example.com:8443' };

  test('an IPv4 client on a dual-stack socket (::ffff:127.0.0.1) matches an IPv4 CIDR', async () => {
    const r = await ask('127.0.0.1', 'v4', spoof);
    assert.equal(r.peer, '::ffff:127.0.0.1');
    assert.deepEqual({ ip: r.ip, proto: r.proto, host: r.host, port: r.port }, { ip: '198.51.100.1', proto: 'https', host: 'airflow.example.com:8443', port: 8443 });
    assert.equal((await ask('127.0.0.1', 'mapped', spoof)).ip, '198.51.100.1');
  });

  test('untrusted peers: forwarded headers are ignored, the IPv4-mapped address is reported as IPv4', async () => {
    const r = await ask('127.0.0.1', 'none', spoof);
    assert.deepEqual({ ip: r.ip, proto: r.proto, port: r.port }, { ip: '127.0.0.1', proto: 'http', port: port });
    assert.equal((await ask('127.0.0.1', 'v6', spoof)).ip, '127.0.0.1');
  });

  test('an IPv6 peer (::1) is trusted by an IPv6 entry only', async () => {
    assert.equal((await ask('::1', 'v6', spoof)).ip, '198.51.100.1');
    assert.equal((await ask('::1', 'v4', spoof)).ip, '::1');
    assert.equal((await ask('::1', 'v6', { 'x-forwarded-for': '[2001:db8::7]:1234, ::1' })).ip, '2001:db8::7');
    assert.equal((await ask('::1', 'v6', { 'x-forwarded-host': 'bad host' })).error, 'AIRLOCK_PROXY_BAD_FORWARDED');
  });

  // the X-Forwarded-* walk is remembered per trust list and header values (issue #15 section 2): the memo must
  // answer exactly what a fresh walk answers, never keep a refusal, and never cross trust lists
  test('repeated forwarded headers give the same answer; another value or another trust list is walked again', async () => {
    const a = await ask('127.0.0.1', 'v4', spoof);
    const b = await ask('127.0.0.1', 'v4', spoof);
    assert.deepEqual(b, a);
    const c = await ask('127.0.0.1', 'v4', { ...spoof, 'x-forwarded-for': '203.0.113.9, 127.0.0.1' });
    assert.equal(c.ip, '203.0.113.9', 'the right-most untrusted entry, not the memo of another chain');
    const d = await ask('127.0.0.1', 'v4', { ...spoof, 'x-forwarded-proto': 'http' });
    assert.deepEqual({ proto: d.proto, port: d.port }, { proto: 'http', port: 8443 });
    // the same headers under a list that does not trust the peer: ignored, as if never seen
    assert.equal((await ask('127.0.0.1', 'none', spoof)).ip, '127.0.0.1');
    assert.equal((await ask('127.0.0.1', 'v4', spoof)).ip, '198.51.100.1');
  });

  test('a refused X-Forwarded-For is refused every time (refusals are not remembered)', async () => {
    for (let i = 0; i < 3; i++) assert.deepEqual(await ask('127.0.0.1', 'v4', { 'x-forwarded-for': 'not-an-ip' }), { error: 'AIRLOCK_PROXY_BAD_FORWARDED' });
    assert.equal((await ask('127.0.0.1', 'v4', { 'x-forwarded-for': '192.0.2.7' })).ip, '192.0.2.7');
  });

  test('many distinct client-chosen values each get their own answer', async () => {
    for (let i = 0; i < 300; i++) {
      const ip = `10.${(i >> 8) & 255}.${i & 255}.1`;
      assert.equal((await ask('127.0.0.1', 'v4', { 'x-forwarded-for': ip })).ip, ip);
    }
  });
});
