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
});
