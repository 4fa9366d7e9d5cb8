import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { after, before, describe, test } from 'node:test';
import { startStack, type TestStack } from './harness.ts';

interface Answer {
  readonly status: number;
  readonly headers: string;
  readonly body: string;
}

/** One request on a fresh connection with exactly this Host line (or none), as a probe or a pod-IP client sends it. */
function requestWithHost(base: string, path: string, host: string | undefined, method = 'GET'): Promise<Answer> {
  const u = new URL(base);
  const lines = [`${method} ${path} HTTP/1.1`, ...(host === undefined ? [] : [`Host: ${host}`]), 'Connection: close', 'Accept: application/json', '', ''];
  return new Promise((resolve, reject) => {
    const sock = connect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    sock.on('connect', () => sock.write(lines.join('\r\n')));
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', reject);
    sock.on('end', () => {
      const raw = Buffer.concat(chunks).toString('utf8');
      const sep = raw.indexOf('\r\n\r\n');
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(raw)?.[1]), headers: raw.slice(0, sep), body: raw.slice(sep + 4) });
    });
  });
}

/**
 * Probes and the JWKS in a real deployment: kubelet probes by pod IP, Airflow's AIRLOCK_JWKS_URL by an internal
 * service name. They answer whatever the Host; sign-in and every other gateway page stay on public_url's host.
 */
describe('probes, JWKS and metrics by any Host; gateway pages by the public host only', () => {
  let stack: TestStack;
  let port: string;
  before(async () => {
    stack = await startStack({ config: (cfg) => (cfg.internal_listen = '127.0.0.1:0') });
    port = new URL(stack.gatewayUrl).port;
  });
  after(() => stack.close());

  const hosts = () => [`127.0.0.1:${port}`, '10.1.2.3:8080', 'airlock.airlock-system.svc.cluster.local', `[::1]:${port}`];

  test('healthz, readyz and jwks.json answer 200 by 127.0.0.1, a pod IP, an internal service name and IPv6', async () => {
    for (const host of hosts()) {
      const h = await requestWithHost(stack.gatewayUrl, '/.airlock/healthz', host);
      assert.equal(h.status, 200, `healthz, Host ${host}`);
      assert.equal(JSON.parse(h.body).status, 'ok');
      const r = await requestWithHost(stack.gatewayUrl, '/.airlock/readyz', host);
      assert.equal(r.status, 200, `readyz, Host ${host}: ${r.body}`);
      const j = await requestWithHost(stack.gatewayUrl, '/.airlock/jwks.json', host);
      assert.equal(j.status, 200, `jwks, Host ${host}`);
      assert.ok(JSON.parse(j.body).keys.length >= 1);
    }
    const q = await requestWithHost(stack.gatewayUrl, '/.airlock/healthz?probe=liveness', '10.1.2.3');
    assert.equal(q.status, 200, 'a query string does not matter');
  });

  test('login, callback, logout, whoami and every other gateway page are refused (421) by an unknown Host', async () => {
    for (const host of hosts()) {
      for (const path of ['/.airlock/login', '/.airlock/login?rd=%2Fhome', '/.airlock/callback?code=x&state=y', '/.airlock/logout', '/.airlock/logged-out', '/.airlock/whoami', '/.airlock/webauthn/verify', '/.airlock/nope']) {
        const r = await requestWithHost(stack.gatewayUrl, path, host);
        assert.equal(r.status, 421, `${path} by Host ${host}`);
        assert.match(r.body, /AIRLOCK_PROXY_UNKNOWN_HOST/);
      }
      const post = await requestWithHost(stack.gatewayUrl, '/.airlock/logout', host, 'POST');
      assert.equal(post.status, 421, `POST logout by Host ${host}`);
    }
  });

  test('another spelling of a probe path is not a probe: it goes through the public-host check', async () => {
    for (const path of ['/.airlock/./healthz', '/.airlock//healthz', '/.airlock/%68ealthz', '/.airlock/healthz/', '/.airlock/healthz/../login', '/.airlock/jwks.json/../login']) {
      const r = await requestWithHost(stack.gatewayUrl, path, '10.1.2.3');
      assert.equal(r.status, 421, path);
    }
  });

  test('the public host still serves the probes and the sign-in pages', async () => {
    assert.equal((await requestWithHost(stack.gatewayUrl, '/.airlock/healthz', `localhost:${port}`)).status, 200);
    const login = await requestWithHost(stack.gatewayUrl, '/.airlock/login', `localhost:${port}`);
    assert.equal(login.status, 302, 'login starts at the IdP');
  });

  test('metrics: not on the public listener by default (404 by any Host); on internal_listen by any Host', async () => {
    for (const host of [`localhost:${port}`, '10.1.2.3']) {
      const r = await requestWithHost(stack.gatewayUrl, '/.airlock/metrics', host);
      assert.equal(r.status, host.startsWith('localhost') ? 404 : 421, `main listener, Host ${host}`);
    }
    const internal = stack.gateway.internalUrl!;
    for (const host of ['10.1.2.3:9090', 'airlock-internal.airlock.svc', '[fd00::1]:9090']) {
      const m = await requestWithHost(internal, '/.airlock/metrics', host);
      assert.equal(m.status, 200, `internal metrics, Host ${host}`);
      assert.match(m.body, /^airlock_requests_total/m);
      for (const path of ['/.airlock/healthz', '/.airlock/readyz', '/.airlock/jwks.json']) {
        assert.equal((await requestWithHost(internal, path, host)).status, 200, `internal ${path}, Host ${host}`);
      }
    }
  });

  test('internal_listen serves nothing else: no sign-in page, no Airflow, no other method', async () => {
    const internal = stack.gateway.internalUrl!;
    for (const path of ['/.airlock/login', '/.airlock/logout', '/.airlock/whoami', '/home', '/api/v1/dags', '/', '/.airlock/./healthz']) {
      const r = await requestWithHost(internal, path, `localhost:${port}`);
      assert.equal(r.status, 404, path);
      assert.match(r.body, /AIRLOCK_SERVER_NOT_FOUND/);
    }
    const post = await requestWithHost(internal, '/.airlock/healthz', '10.1.2.3', 'POST');
    assert.equal(post.status, 405);
    const head = await requestWithHost(internal, '/.airlock/healthz', '10.1.2.3', 'HEAD');
    assert.equal(head.status, 200);
  });
});

describe('public_metrics: true', () => {
  let stack: TestStack;
  before(async () => {
    stack = await startStack({ config: (cfg) => (cfg.public_metrics = true) });
  });
  after(() => stack.close());

  test('serves /.airlock/metrics on the main listener, by any Host', async () => {
    const port = new URL(stack.gatewayUrl).port;
    for (const host of [`localhost:${port}`, '10.1.2.3:8080']) {
      const r = await requestWithHost(stack.gatewayUrl, '/.airlock/metrics', host);
      assert.equal(r.status, 200, `Host ${host}`);
      assert.match(r.body, /^airlock_requests_total|^# HELP/m);
    }
    assert.equal(stack.gateway.internalUrl, undefined, 'no internal listener unless configured');
  });
});
