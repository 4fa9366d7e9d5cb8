import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import https from 'node:https';
import type { AddressInfo } from 'node:net';
import type { TLSSocket } from 'node:tls';
import { Secret } from '../../../src/config/secret.ts';
import { isAirlockError } from '../../../src/errors/index.ts';
import { tlsFixture } from '../../support/tls-fixtures.ts';
import { startGateway, oneEnv, type Environments } from './support/gateway.ts';
import { rawRequest } from './support/raw.ts';
import { acceptKey } from './support/ws.ts';

type Tls = NonNullable<Environments[string]['tls']>;

interface TlsUpstream {
  readonly port: number;
  close(): Promise<void>;
}

/**
 * An https Airflow stand-in: answers JSON saying which client certificate it saw, and accepts WebSocket upgrades.
 * `requireClientCert`: only connections presenting a certificate issued by the test CA get through (mutual TLS).
 */
async function tlsUpstream(o: { cert?: 'upstream' | 'named'; requireClientCert?: boolean } = {}): Promise<TlsUpstream> {
  const name = o.cert ?? 'upstream';
  const server = https.createServer(
    {
      cert: tlsFixture(`${name}.pem`),
      key: tlsFixture(`${name}.key`),
      ...(o.requireClientCert ? { requestCert: true, rejectUnauthorized: true, ca: tlsFixture('ca.pem') } : {}),
    },
    (req, res) => {
      const peer = (req.socket as TLSSocket).getPeerCertificate();
      res.writeHead(200, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ path: req.url, client_cn: peer && 'subject' in peer ? peer.subject?.CN ?? null : null }));
    },
  );
  server.on('upgrade', (req, socket) => {
    socket.write(`HTTP/1.1 101 Switching Protocols\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Accept: ${acceptKey(String(req.headers['sec-websocket-key']))}\r\n\r\n`);
    socket.end();
  });
  server.on('tlsClientError', () => undefined); // refused handshakes are what some tests expect
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as AddressInfo).port,
    close: () =>
      new Promise<void>((r) => {
        server.closeAllConnections();
        server.close(() => r());
      }),
  };
}

const GET = 'GET /api/v1/health HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n';
const WS_UPGRADE = 'GET /ws HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n';

/** Starts the gateway in front of `up` with `tls`, sends one GET, returns the response and the gateway's errors. */
async function through(up: TlsUpstream, tls: Tls | undefined, host = '127.0.0.1', request = GET) {
  const gw = await startGateway({ environments: oneEnv(`https://${host}:${up.port}`, { ...(tls ? { tls } : {}), timeout: 3000, connect_timeout: 2000 }) });
  try {
    const res = await rawRequest(gw.port, request);
    return { res, errors: gw.errors };
  } finally {
    await gw.close();
  }
}

/** The log message of the one error the gateway raised (what an operator reads). */
function logMessageOf(errors: unknown[]): string {
  assert.equal(errors.length, 1, 'one error');
  const e = errors[0];
  assert.ok(isAirlockError(e));
  assert.equal(e.code, 'AIRLOCK_PROXY_UPSTREAM_UNAVAILABLE');
  return e.message;
}

const key = (name: 'client.key' | 'other-client.key') => new Secret(tlsFixture(name), `file:test/support/tls/${name}`);

describe('https upstream with a private CA (environments.<name>.tls)', () => {
  test('tls.ca trusts the private CA: forwarded, HTTP and WebSocket', async () => {
    const up = await tlsUpstream();
    try {
      const { res } = await through(up, { ca: tlsFixture('ca.pem') });
      assert.equal(res.status, 200);
      assert.deepEqual(JSON.parse(res.body), { path: '/api/v1/health', client_cn: null });
      const ws = await through(up, { ca: tlsFixture('ca.pem') }, '127.0.0.1', WS_UPGRADE);
      assert.equal(ws.res.status, 101, ws.res.text);
    } finally {
      await up.close();
    }
  });

  test('no tls.ca: the private certificate is not trusted -> 502, and the log says to set tls.ca (HTTP and WebSocket)', async () => {
    const up = await tlsUpstream();
    try {
      for (const request of [GET, WS_UPGRADE]) {
        const { res, errors } = await through(up, undefined, '127.0.0.1', request);
        assert.equal(res.status, 502);
        assert.equal(JSON.parse(res.body).error, 'AIRLOCK_PROXY_UPSTREAM_UNAVAILABLE');
        assert.match(logMessageOf(errors), /tls\.ca/);
      }
    } finally {
      await up.close();
    }
  });

  test('a CA that did not issue the upstream certificate -> 502, never forwarded', async () => {
    const up = await tlsUpstream();
    try {
      const { res, errors } = await through(up, { ca: tlsFixture('other-ca.pem') });
      assert.equal(res.status, 502);
      assert.match(logMessageOf(errors), /not trusted/);
    } finally {
      await up.close();
    }
  });

  test('certificate for another name -> 502 naming tls.server_name; with server_name set to the name it holds -> forwarded', async () => {
    const up = await tlsUpstream({ cert: 'named' });
    try {
      const bad = await through(up, { ca: tlsFixture('ca.pem') });
      assert.equal(bad.res.status, 502);
      assert.match(logMessageOf(bad.errors), /tls\.server_name/);
      const wrongName = await through(up, { ca: tlsFixture('ca.pem'), server_name: 'evil.test' });
      assert.equal(wrongName.res.status, 502);
      const good = await through(up, { ca: tlsFixture('ca.pem'), server_name: 'airflow.test' });
      assert.equal(good.res.status, 200, good.res.text);
      // server_name wins over the upstream URL's host name too (HTTP and WebSocket)
      for (const request of [GET, WS_UPGRADE]) {
        const viaName = await through(up, { ca: tlsFixture('ca.pem'), server_name: 'airflow.test' }, 'localhost', request);
        assert.equal(viaName.res.status, request === GET ? 200 : 101, viaName.res.text);
      }
    } finally {
      await up.close();
    }
  });
});

describe('mutual TLS to the upstream (tls.client_cert + tls.client_key)', () => {
  test('an upstream that requires a client certificate gets the gateway\'s and answers; HTTP and WebSocket', async () => {
    const up = await tlsUpstream({ requireClientCert: true });
    try {
      const tls = { ca: tlsFixture('ca.pem'), client_cert: tlsFixture('client.pem'), client_key: key('client.key') };
      const { res } = await through(up, tls);
      assert.equal(res.status, 200, res.text);
      assert.equal(JSON.parse(res.body).client_cn, 'airlock-gateway');
      const ws = await through(up, tls, '127.0.0.1', WS_UPGRADE);
      assert.equal(ws.res.status, 101, ws.res.text);
    } finally {
      await up.close();
    }
  });

  test('without a client certificate, or with one from another CA -> 502, never a hang', async () => {
    const up = await tlsUpstream({ requireClientCert: true });
    try {
      for (const tls of [{ ca: tlsFixture('ca.pem') }, { ca: tlsFixture('ca.pem'), client_cert: tlsFixture('other-client.pem'), client_key: key('other-client.key') }]) {
        const t0 = performance.now();
        const { res } = await through(up, tls);
        assert.equal(res.status, 502, res.text);
        assert.equal(JSON.parse(res.body).error, 'AIRLOCK_PROXY_UPSTREAM_UNAVAILABLE');
        assert.ok(performance.now() - t0 < 2500, 'answered before the timeout');
      }
    } finally {
      await up.close();
    }
  });
});
