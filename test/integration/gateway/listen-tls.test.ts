import assert from 'node:assert/strict';
import { copyFile } from 'node:fs/promises';
import https from 'node:https';
import net from 'node:net';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { TLSSocket } from 'node:tls';
import { tlsFixture, tlsFixturePath } from '../../support/tls-fixtures.ts';
import { startStack, type TestStack } from './harness.ts';

interface TlsResponse {
  readonly status: number;
  readonly headers: Record<string, string | string[] | undefined>;
  readonly body: string;
  /** CN of the certificate the gateway presented. */
  readonly servedCn: string;
}

/** One https GET trusting only the test CA; `servername` is the SNI name (and the name verified). */
function get(port: number, path: string, servername = 'localhost'): Promise<TlsResponse> {
  return new Promise((resolve, reject) => {
    const req = https.get({ host: '127.0.0.1', port, path, servername, ca: tlsFixture('ca.pem'), agent: false, headers: { host: `localhost:${port}`, accept: 'text/html' } }, (res) => {
      const cn = (res.socket as TLSSocket).getPeerCertificate().subject?.CN ?? '';
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body, servedCn: String(cn) }));
    });
    req.on('error', reject);
  });
}

/** Plain HTTP bytes to the TLS port: what comes back (the TLS server must not answer as HTTP). */
function plainHttp(port: number): Promise<string> {
  return new Promise((resolve) => {
    const s = net.connect(port, '127.0.0.1', () => s.write('GET /.airlock/healthz HTTP/1.1\r\nHost: localhost\r\n\r\n'));
    let out = '';
    s.on('data', (d) => (out += d.toString('latin1')));
    s.on('error', () => resolve(out));
    s.on('close', () => resolve(out));
    setTimeout(() => s.destroy(), 2000).unref();
  });
}

describe('Airlock terminating TLS itself (listen_tls)', () => {
  let stack: TestStack;
  let port: number;
  const tlsConfig = (cert: string, key: string) => (cfg: Record<string, any>) => {
    cfg.public_url = cfg.public_url.replace('http://', 'https://');
    cfg.listen_tls = { cert: `\${file:./${cert}}`, key: `\${file:./${key}}` };
  };

  before(async () => {
    stack = await startStack({
      config: tlsConfig('gw.pem', 'gw.key'),
      prepare: async ({ dir }) => {
        await copyFile(tlsFixturePath('upstream.pem'), join(dir, 'gw.pem'));
        await copyFile(tlsFixturePath('upstream.key'), join(dir, 'gw.key'));
        await copyFile(tlsFixturePath('named.pem'), join(dir, 'renewed.pem'));
        await copyFile(tlsFixturePath('named.key'), join(dir, 'renewed.key'));
      },
    });
    port = stack.gateway.port;
  });
  after(async () => {
    await stack?.close();
  });

  test('serves https with the configured certificate; the gateway URL says https', async () => {
    assert.match(stack.gateway.url, /^https:\/\//);
    const r = await get(port, '/.airlock/healthz');
    assert.equal(r.status, 200);
    assert.equal(r.servedCn, 'airflow upstream', 'the certificate from listen_tls.cert');
  });

  test('plain HTTP to the TLS port gets no HTTP answer', async () => {
    assert.doesNotMatch(await plainHttp(port), /^HTTP\/1\.1 200/);
  });

  test('sign-in responses carry HSTS and the session-side cookies are Secure __Host- cookies', async () => {
    const r = await get(port, '/.airlock/login?rd=%2F');
    assert.equal(r.status, 302);
    assert.equal(r.headers['strict-transport-security'], 'max-age=31536000');
    const cookies = ([] as string[]).concat(r.headers['set-cookie'] ?? []);
    assert.ok(cookies.length > 0, 'the login sets its browser-binding cookie');
    for (const c of cookies) assert.match(c, /^__Host-[^;]+;.*Secure/i);
  });

  test('a reload serves a renewed certificate to new connections; a reload dropping listen_tls is refused and https stays', async () => {
    await stack.writeConfig(tlsConfig('renewed.pem', 'renewed.key'));
    const ok = await stack.gateway.worker!.services.holder.reload();
    assert.equal(ok.ok, true, JSON.stringify(ok));
    const renewed = await get(port, '/.airlock/healthz', 'airflow.test');
    assert.equal(renewed.servedCn, 'airflow.test', 'new connections get the renewed certificate');

    await stack.writeConfig((cfg) => {
      delete cfg.listen_tls; // plain http behind a TLS terminator: switching needs a restart
    });
    const refused = await stack.gateway.worker!.services.holder.reload();
    assert.equal(refused.ok, false);
    assert.ok(!refused.ok && refused.problems.some((p) => p.path === 'listen_tls' && /restart/.test(p.message)), JSON.stringify(refused));
    assert.equal((await get(port, '/.airlock/healthz', 'airflow.test')).status, 200, 'still serving https with the renewed certificate');
  });
});
