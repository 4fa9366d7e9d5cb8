import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRecordingUpstream, type RecordingUpstream } from './support/recording-upstream.ts';
import { startGateway, oneEnv, type Gateway } from './support/gateway.ts';
import { rawRequest } from './support/raw.ts';

const SPOOFED = [
  'X-Airlock-User', 'x-airlock-user', 'X-AIRLOCK-USER', 'X_Airlock_User', 'x_airlock_user',
  'X-Airlock-Assertion', 'X-AIRLOCK-ASSERTION', 'x_airlock_assertion', 'X-Airlock-Email', 'X-Airlock-Roles', 'X-Airlocked',
  'X-Forwarded-For', 'x-forwarded-for', 'X_Forwarded_For', 'X-FORWARDED-FOR',
  'X-Forwarded-Proto', 'x_forwarded_proto', 'X-Forwarded-Host', 'X-Forwarded-Port', 'X-Forwarded-Prefix', 'X-Forwarded-Whatever',
  'Forwarded', 'FORWARDED', 'forwarded',
  'X-Real-IP', 'x-real-ip', 'X_Real_IP',
  'X-Original-URL', 'x-original-url', 'X_Original_URL',
  'X-Rewrite-URL', 'x-rewrite-url', 'X_REWRITE_URL',
  'Some_Header',
];

const ADD = { 'X-Airlock-Assertion': 'eyJhbGciOiJFUzI1NiJ9.e30.sig', 'X-Airlock-User': 'jöhn doe\r\nX-Injected: 1', 'X-Airlock-Roles': 'Admin,User' };

function canon(n: string) {
  return n.toLowerCase().replace(/_/g, '-');
}

function request(port: number, headerLines: string[], body = '') {
  const len = body ? [`Content-Length: ${Buffer.byteLength(body)}`] : [];
  return rawRequest(port, [`${body ? 'POST' : 'GET'} /api/v1/dags?x=1 HTTP/1.1`, `Host: 127.0.0.1`, ...headerLines, ...len, '', body].join('\r\n'));
}

describe('header hygiene against a real upstream', () => {
  let up: RecordingUpstream;
  let gw: Gateway;
  before(async () => {
    up = await startRecordingUpstream();
    gw = await startGateway({ environments: oneEnv(up.url), add: ADD });
  });
  after(async () => {
    await gw.close();
    await up.close();
  });

  test('no spoofed gateway header (any case, "_" variants) reaches the upstream; the gateway values do', async () => {
    const before = up.received.length;
    const res = await request(gw.port, [...SPOOFED.map((n, i) => `${n}: spoof-${i}`), 'X-Keep-Me: yes', 'Connection: close']);
    assert.equal(res.status, 200);
    const got = up.received[before]!;
    const names = [];
    for (let i = 0; i < got.rawHeaders.length; i += 2) names.push(got.rawHeaders[i]!);
    for (let i = 1; i < got.rawHeaders.length; i += 2) assert.doesNotMatch(got.rawHeaders[i]!, /spoof-/, `spoofed value reached upstream in ${got.rawHeaders[i - 1]}`);
    assert.ok(!names.some((n) => n.includes('_')), 'no header name with "_"');
    const gatewayNames = new Set(['x-airlock-assertion', 'x-airlock-user', 'x-airlock-roles', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port']);
    for (const n of names) {
      const c = canon(n);
      if (c.startsWith('x-airlock') || c.startsWith('x-forwarded') || ['forwarded', 'x-real-ip', 'x-original-url', 'x-rewrite-url'].includes(c)) {
        assert.ok(gatewayNames.has(c), `unexpected ${n}`);
      }
    }
    // Each gateway header exactly once.
    for (const g of gatewayNames) assert.equal(names.filter((n) => canon(n) === g).length, 1, g);
    assert.equal(got.headers['x-forwarded-for'], '127.0.0.1');
    assert.equal(got.headers['x-forwarded-proto'], 'http');
    assert.equal(got.headers['x-forwarded-host'], '127.0.0.1');
    assert.equal(got.headers['x-forwarded-port'], '80');
    assert.equal(got.headers['x-airlock-assertion'], ADD['X-Airlock-Assertion']);
    assert.equal(got.headers['x-airlock-user'], 'j%C3%B6hn%20doe%0D%0AX-Injected:%201');
    assert.equal(decodeURIComponent(got.headers['x-airlock-user'] as string), ADD['X-Airlock-User']);
    assert.equal(got.headers['x-injected'], undefined);
    assert.equal(got.headers['x-keep-me'], 'yes');
    assert.equal(got.url, '/api/v1/dags?x=1');
  });

  for (const conn of ['close, X-Airlock-Assertion', 'close, x_airlock_user', 'Host', 'close, Cookie', 'Authorization', 'X-Forwarded-For', 'x_forwarded_for', 'Forwarded', 'X-Real-IP', 'Content-Length', 'close, X-Airlock-Anything', 'close, bad header']) {
    test(`Connection: ${conn} is refused with AIRLOCK_PROXY_BAD_HEADER and nothing is forwarded`, async () => {
      const before = up.received.length;
      const res = await request(gw.port, [`Connection: ${conn}`, 'Cookie: a=1', 'Authorization: Basic eDp5']);
      assert.equal(res.status, 400);
      assert.equal(JSON.parse(res.body).error, 'AIRLOCK_PROXY_BAD_HEADER');
      assert.equal(up.received.length, before);
    });
  }

  test('hop-by-hop headers and headers named in Connection are removed', async () => {
    const before = up.received.length;
    const res = await request(gw.port, ['Connection: close, X-Drop-Me, Keep-Alive', 'X-Drop-Me: 1', 'Keep-Alive: timeout=5', 'TE: trailers', 'Trailer: X-T', 'Proxy-Authorization: Basic eDp5', 'Proxy-Connection: keep-alive', 'Upgrade: h2c', 'X-Stay: 1']);
    assert.equal(res.status, 200);
    const h = up.received[before]!.headers;
    for (const n of ['x-drop-me', 'keep-alive', 'te', 'trailer', 'proxy-authorization', 'proxy-connection', 'upgrade']) assert.equal(h[n], undefined, n);
    assert.equal(h['x-stay'], '1');
  });

  test('the session cookie is removed, other cookies stay byte-identical and in order', async () => {
    const before = up.received.length;
    await request(gw.port, ['Cookie: a=1;  airlock=SECRET; b="x y"; session=flask', 'Connection: close']);
    assert.equal(up.received[before]!.headers.cookie, 'a=1; b="x y"; session=flask');
    await request(gw.port, ['Cookie: airlock=SECRET', 'Connection: close']);
    assert.equal(up.received[before + 1]!.headers.cookie, undefined);
  });

  test('Authorization passes when the gateway did not consume it', async () => {
    const before = up.received.length;
    await request(gw.port, ['Authorization: Basic eDp5', 'Connection: close']);
    assert.equal(up.received[before]!.headers.authorization, 'Basic eDp5');
  });
});

describe('Authorization consumed by the gateway', () => {
  test('is not forwarded', async () => {
    const up = await startRecordingUpstream();
    const gw = await startGateway({ environments: oneEnv(up.url), stripAuthorization: true });
    try {
      const res = await request(gw.port, ['Authorization: Bearer machine-token', 'Connection: close']);
      assert.equal(res.status, 200);
      assert.equal(up.received[0]!.headers.authorization, undefined);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});

describe('trusted proxies', () => {
  const spoof = ['X-Forwarded-For: 198.51.100.7, 10.1.2.3', 'X-Forwarded-Proto: https', 'X-Forwarded-Host: airflow.example.com', 'Connection: close'];

  test('from a trusted peer the right-most untrusted X-Forwarded-For entry is the client', async () => {
    const up = await startRecordingUpstream();
    const gw = await startGateway({ environments: oneEnv(up.url), trustedProxies: ['127.0.0.1/32', '10.0.0.0/8'] });
    try {
      const res = await request(gw.port, spoof);
      assert.equal(res.status, 200);
      const h = up.received[0]!.headers;
      assert.equal(h['x-forwarded-for'], '198.51.100.7');
      assert.equal(h['x-forwarded-proto'], 'https');
      assert.equal(h['x-forwarded-host'], 'airflow.example.com');
      assert.equal(h['x-forwarded-port'], '443');
      // A client-injected entry left of an untrusted hop is not believed.
      await request(gw.port, ['X-Forwarded-For: 1.1.1.1, 203.0.113.9, 10.0.0.1', 'Connection: close']);
      assert.equal(up.received[1]!.headers['x-forwarded-for'], '203.0.113.9');
      const bad = await request(gw.port, ['X-Forwarded-For: not-an-ip', 'Connection: close']);
      assert.equal(bad.status, 400);
      assert.equal(JSON.parse(bad.body).error, 'AIRLOCK_PROXY_BAD_FORWARDED');
      const badProto = await request(gw.port, ['X-Forwarded-Proto: gopher', 'Connection: close']);
      assert.equal(JSON.parse(badProto.body).error, 'AIRLOCK_PROXY_BAD_FORWARDED');
    } finally {
      await gw.close();
      await up.close();
    }
  });

  test('from an untrusted peer X-Forwarded-* are ignored', async () => {
    const up = await startRecordingUpstream();
    const gw = await startGateway({ environments: oneEnv(up.url), trustedProxies: ['10.0.0.0/8', '::ffff:192.168.0.0/112'] });
    try {
      const res = await request(gw.port, spoof);
      assert.equal(res.status, 200);
      const h = up.received[0]!.headers;
      assert.equal(h['x-forwarded-for'], '127.0.0.1');
      assert.equal(h['x-forwarded-proto'], 'http');
      assert.equal(h['x-forwarded-host'], '127.0.0.1');
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
