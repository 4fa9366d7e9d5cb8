import assert from 'node:assert/strict';
import net from 'node:net';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import { queryEvents, type AuditEvent } from '../../../src/audit/index.ts';
import { createLogger } from '../../../src/server/logger.ts';
import { headerValues } from '../../../demo/airflow-standin/index.ts';
import { loginThroughGateway } from '../../support/login.ts';
import { parseRaw, rawRequest, type RawResponse } from '../proxy/support/raw.ts';
import { decodeFrames, encodeText } from '../proxy/support/ws.ts';
import { startWsUpstream, type WsUpstream } from '../proxy/support/ws-upstream.ts';
import { startStack, type TestStack } from './harness.ts';

/**
 * Proxy hygiene through the whole gateway (issue #12 items 9-12): bodies where none belongs, WebSocket Origin,
 * audit and access log of upgrades, look-alike query keys, other proxies' headers.
 */
describe('proxy hygiene through the gateway', () => {
  let stack: TestStack;
  let ws: WsUpstream;
  let alice: string;
  let dave: string;
  let carol: string;
  const logLines: string[] = [];
  const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

  before(async () => {
    ws = await startWsUpstream();
    const destination = new Writable({
      write(chunk, _enc, cb) {
        logLines.push(...String(chunk).split('\n').filter((l) => l !== ''));
        cb();
      },
    });
    stack = await startStack({
      logger: createLogger({ level: 'info', destination }),
      config: (cfg) => {
        // a WebSocket-capable "Airflow" under /live on the public host, and one environment with its own host
        cfg.environments.live = { host: 'localhost', path_prefix: '/live', upstream: ws.url, airflow: 2, timeout: '3s', connect_timeout: '1s', airflow_filters_dags: true };
        cfg.environments.own = { host: '127.0.0.1', upstream: ws.url, airflow: 2, timeout: '3s', connect_timeout: '1s' };
        cfg.policy = { allow_list: [{ path: '/custom/purge', methods: ['DELETE'] }] };
        // carol may not read one DAG in "live": its DAG list reaches her only because Airflow filters it
        cfg.dags = [{ id: 'carol-no-finance', env: 'live', dag_ids: ['finance_daily'], deny: { read: ['user:carol'] } }];
      },
    });
    alice = (await loginThroughGateway(stack.gatewayUrl, 'alice', 'alice-demo')).cookieHeader;
    dave = (await loginThroughGateway(stack.gatewayUrl, 'dave', 'dave-demo')).cookieHeader;
    carol = (await loginThroughGateway(stack.gatewayUrl, 'carol', 'carol-demo')).cookieHeader;
  });
  after(async () => {
    await stack?.close();
    await ws?.close();
  });

  const port = () => Number(new URL(stack.gatewayUrl).port);
  const raw = (bytes: string) => rawRequest(port(), bytes);
  const prodSaw = (from: number) => stack.prod.received.slice(from);

  /** Upgrades over a raw socket; resolves with the response head (and a socket to talk through when it is 101). */
  function upgrade(path: string, headers: string[], host = `localhost:${port()}`): Promise<{ res: RawResponse; sock: net.Socket; rest: Buffer }> {
    return new Promise((resolve, reject) => {
      const sock = net.connect(port(), '127.0.0.1');
      let buf = Buffer.alloc(0);
      const onData = (d: Buffer) => {
        buf = Buffer.concat([buf, d]);
        const end = buf.indexOf('\r\n\r\n');
        if (end === -1) return;
        sock.off('data', onData);
        const head = buf.subarray(0, end + 4).toString('latin1');
        const res = parseRaw(head);
        let rest = buf.subarray(end + 4);
        if (res.status !== 101) {
          // a refusal: read its body to the end (Connection: close)
          sock.on('data', (more: Buffer) => (rest = Buffer.concat([rest, more])));
          sock.on('close', () => resolve({ res: parseRaw(head + rest.toString('latin1')), sock, rest }));
          return;
        }
        resolve({ res, sock, rest });
      };
      sock.on('data', onData);
      sock.on('error', reject);
      sock.write([`GET ${path} HTTP/1.1`, `Host: ${host}`, 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13', ...headers, '', ''].join('\r\n'));
    });
  }

  async function auditOf(requestId: string): Promise<AuditEvent> {
    await stack.gateway.worker!.services.audit.flush();
    const events = await queryEvents(stack.gateway.worker!.services.store, { requestId });
    assert.equal(events.length, 1, `one audit event for ${requestId}`);
    return events[0]!.event;
  }

  async function accessLineOf(requestId: string): Promise<Record<string, unknown>> {
    for (let i = 0; i < 50; i++) {
      const line = logLines.map((l) => JSON.parse(l) as Record<string, unknown>).find((l) => l.msg === 'request' && l.reqId === requestId);
      if (line) return line;
      await new Promise((r) => setTimeout(r, 20));
    }
    throw new Error(`no access line for ${requestId}`);
  }

  // --- item 11: WebSocket Origin, audit and access log ----------------------------------------------------

  describe('WebSocket upgrades', () => {
    test("same-origin (public_url's origin): tunnelled; audited and access-logged as allow with upgrade: websocket", async () => {
      const before = ws.seen.length;
      const { res, sock, rest } = await upgrade('/live/api/v1/dags', [`Cookie: ${alice}`, `Origin: ${stack.publicUrl}`]);
      try {
        assert.equal(res.status, 101);
        const id = res.headers['x-request-id']!;
        assert.match(id, /^[0-9a-f-]{36}$/);
        assert.equal(ws.seen.length, before + 1);
        assert.equal(ws.seen[before]!.url, '/live/api/v1/dags');
        // a real tunnel: the greeting, then an echo
        let buf = rest;
        const frames = async (n: number) => {
          for (let i = 0; i < 100 && decodeFrames(buf).frames.length < n; i++) await new Promise((r) => sock.once('data', (d: Buffer) => r((buf = Buffer.concat([buf, d])))));
          return decodeFrames(buf).frames;
        };
        assert.equal((await frames(1))[0]!.text, 'welcome');
        sock.write(encodeText('ping', true));
        assert.equal((await frames(2))[1]!.text, 'echo:ping');
        const ev = await auditOf(id);
        assert.equal(ev.type, 'request');
        assert.equal(ev.decision, 'allow');
        assert.equal(ev.status, 101);
        assert.equal(ev.env, 'live');
        assert.equal(ev.actor?.username, 'alice');
        assert.deepEqual(ev.detail, { upgrade: 'websocket' });
        const line = await accessLineOf(id);
        assert.equal(line.decision, 'allow');
        assert.equal(line.status, 101);
        assert.equal(line.upgrade, 'websocket');
        assert.equal(line.user, 'alice');
      } finally {
        sock.destroy();
      }
    });

    test("an environment's own host is an allowed origin (public_url's scheme and port)", async () => {
      const { res, sock } = await upgrade('/api/v1/dags', [`Cookie: ${alice}`, `Origin: http://127.0.0.1:${port()}`], `127.0.0.1:${port()}`);
      sock.destroy();
      assert.equal(res.status, 101);
    });

    test('no Origin (not a browser): authenticated and decided as usual, tunnelled', async () => {
      const { res, sock } = await upgrade('/live/api/v1/dags', [`Cookie: ${alice}`]);
      sock.destroy();
      assert.equal(res.status, 101);
    });

    const FOREIGN: Array<[string, (p: number) => string]> = [
      ['another site', () => 'http://evil.example'],
      ['our host, another port', (p) => `http://localhost:${p + 1}`],
      ['our host, another scheme', (p) => `https://localhost:${p}`],
      ['null (sandboxed frame, data: or file: page)', () => 'null'],
      ['a look-alike host', (p) => `http://localhost:${p}.evil.example`],
      ["an environment's host, another port", (p) => `http://127.0.0.1:${p + 1}`],
      ['empty', () => ''],
    ];
    for (const [what, origin] of FOREIGN) {
      test(`Origin: ${what}: 403 AIRLOCK_PROXY_WEBSOCKET_ORIGIN before any upstream contact; audited and access-logged as deny`, async () => {
        const before = ws.seen.length;
        const { res } = await upgrade('/live/api/v1/dags', [`Cookie: ${alice}`, `Origin: ${origin(port())}`]);
        assert.equal(res.status, 403);
        const body = JSON.parse(res.body) as { error: string; request_id: string };
        assert.equal(body.error, 'AIRLOCK_PROXY_WEBSOCKET_ORIGIN');
        assert.equal(res.headers['x-request-id'], body.request_id);
        assert.equal(ws.seen.length, before, 'the upstream never saw the upgrade');
        const ev = await auditOf(body.request_id);
        assert.equal(ev.decision, 'deny');
        assert.equal(ev.status, 403);
        assert.equal(ev.actor?.username, 'alice', 'the audit names whose browser was used');
        assert.ok(ev.reasons?.includes('AIRLOCK_PROXY_WEBSOCKET_ORIGIN'));
        assert.deepEqual(ev.detail, { upgrade: 'websocket' });
        const line = await accessLineOf(body.request_id);
        assert.equal(line.decision, 'deny');
        assert.equal(line.status, 403);
        assert.equal(line.upgrade, 'websocket');
        assert.deepEqual(line.reasons, ['AIRLOCK_PROXY_WEBSOCKET_ORIGIN']);
      });
    }

    test('an upgrade whose GET carries a body: 400 AIRLOCK_PROXY_UNEXPECTED_BODY, the upstream never sees it', async () => {
      const before = ws.seen.length;
      const { res } = await upgrade('/live/api/v1/dags', [`Cookie: ${alice}`, `Origin: ${stack.publicUrl}`, 'Content-Length: 5']);
      assert.equal(res.status, 400);
      assert.equal(JSON.parse(res.body).error, 'AIRLOCK_PROXY_UNEXPECTED_BODY');
      assert.equal(ws.seen.length, before);
    });

    test('two Origin headers (one of them ours) are refused', async () => {
      const before = ws.seen.length;
      const { res } = await upgrade('/live/api/v1/dags', [`Cookie: ${alice}`, `Origin: ${stack.publicUrl}`, 'Origin: http://evil.example']);
      assert.equal(res.status, 403);
      assert.equal(JSON.parse(res.body).error, 'AIRLOCK_PROXY_WEBSOCKET_ORIGIN');
      assert.equal(ws.seen.length, before);
    });

    test('a foreign Origin without a session is refused for its Origin', async () => {
      const { res } = await upgrade('/live/api/v1/dags', ['Origin: http://evil.example']);
      assert.equal(res.status, 403);
      assert.equal(JSON.parse(res.body).error, 'AIRLOCK_PROXY_WEBSOCKET_ORIGIN');
    });

    test('no session, good Origin: 401, audited and access-logged as unauthenticated', async () => {
      const before = ws.seen.length;
      const { res } = await upgrade('/live/api/v1/dags', [`Origin: ${stack.publicUrl}`]);
      assert.equal(res.status, 401);
      const body = JSON.parse(res.body) as { error: string; request_id: string };
      assert.equal(body.error, 'AIRLOCK_SERVER_NOT_AUTHENTICATED');
      assert.equal(ws.seen.length, before);
      const ev = await auditOf(body.request_id);
      assert.equal(ev.decision, 'unauthenticated');
      assert.equal(ev.status, 401);
      assert.deepEqual(ev.detail, { upgrade: 'websocket' });
      const line = await accessLineOf(body.request_id);
      assert.equal(line.decision, 'unauthenticated');
      assert.equal(line.upgrade, 'websocket');
    });

    test('denied by the policy (a Viewer on connections): 403, audited and access-logged as deny', async () => {
      const before = ws.seen.length;
      const { res } = await upgrade('/live/api/v1/connections', [`Cookie: ${dave}`, `Origin: ${stack.publicUrl}`]);
      assert.equal(res.status, 403);
      const body = JSON.parse(res.body) as { error: string; request_id: string };
      assert.equal(body.error, 'AIRLOCK_SERVER_FORBIDDEN');
      assert.equal(ws.seen.length, before);
      const ev = await auditOf(body.request_id);
      assert.equal(ev.decision, 'deny');
      assert.equal(ev.actor?.username, 'dave');
      assert.equal(ev.resource, 'Connections');
      const line = await accessLineOf(body.request_id);
      assert.equal(line.decision, 'deny');
      assert.equal(line.user, 'dave');
      assert.equal(line.upgrade, 'websocket');
    });
  });

  test('a DAG list allowed only because Airflow filters it (airflow_filters_dags) gets no tunnel: a tunnel cannot check the filter', async () => {
    const before = ws.seen.length;
    const { res } = await upgrade('/live/api/v1/dags', [`Cookie: ${carol}`, `Origin: ${stack.publicUrl}`]);
    assert.equal(res.status, 403);
    const body = JSON.parse(res.body) as { error: string; request_id: string };
    assert.equal(body.error, 'AIRLOCK_SERVER_FORBIDDEN');
    assert.equal(ws.seen.length, before, 'the upstream never saw the upgrade');
    assert.equal((await auditOf(body.request_id)).decision, 'deny');
  });

  // --- item 10: a body where none belongs --------------------------------------------------------------

  describe('bodies on GET, HEAD and DELETE', () => {
    const request = (method: string, path: string, framing: 'content-length' | 'chunked' | 'none' | 'zero', cookie = alice) => {
      const head = [`${method} ${path} HTTP/1.1`, `Host: localhost:${port()}`, `Cookie: ${cookie}`, 'Accept: application/json', 'Connection: close'];
      if (framing === 'content-length') return raw([...head, 'Content-Type: application/json', 'Content-Length: 17', '', '{"dag_id":"etl"}\n'].join('\r\n'));
      if (framing === 'chunked') return raw([...head, 'Content-Type: application/json', 'Transfer-Encoding: chunked', '', '11', '{"dag_id":"etl"}\n', '0', '', ''].join('\r\n'));
      if (framing === 'zero') return raw([...head, 'Content-Length: 0', '', ''].join('\r\n'));
      return raw([...head, '', ''].join('\r\n'));
    };

    for (const [method, path] of [['GET', '/api/v1/dags'], ['HEAD', '/api/v1/dags'], ['DELETE', '/api/v1/dags/etl'], ['DELETE', '/api/v1/dags/etl/dagRuns/r1'], ['GET', '/.airlock/whoami']] as const) {
      for (const framing of ['content-length', 'chunked'] as const) {
        test(`${method} ${path} with a ${framing} body: 400 AIRLOCK_PROXY_UNEXPECTED_BODY, nothing forwarded`, async () => {
          const before = stack.prod.received.length;
          const res = await request(method, path, framing);
          assert.equal(res.status, 400);
          if (method !== 'HEAD') assert.equal(JSON.parse(res.body).error, 'AIRLOCK_PROXY_UNEXPECTED_BODY');
          assert.deepEqual(prodSaw(before), []);
        });
      }
    }

    test('the same requests without a body, or with Content-Length: 0, are forwarded', async () => {
      const before = stack.prod.received.length;
      for (const framing of ['none', 'zero'] as const) {
        for (const [method, path] of [['GET', '/api/v1/dags'], ['HEAD', '/api/v1/dags'], ['DELETE', '/api/v1/dags/etl']]) {
          const res = await request(method!, path!, framing);
          assert.notEqual(res.status, 400, `${method} ${path} ${framing}`);
        }
      }
      assert.deepEqual(prodSaw(before).map((r) => [r.method, r.body.length]), [['GET', 0], ['HEAD', 0], ['DELETE', 0], ['GET', 0], ['HEAD', 0], ['DELETE', 0]]);
    });

    test('a DELETE outside the catalogue: denied by the policy; allow-listed, its body is forwarded as sent', async () => {
      const before = stack.prod.received.length;
      const denied = await request('DELETE', '/custom/other', 'content-length');
      assert.equal(denied.status, 403);
      assert.deepEqual(prodSaw(before), []);
      await request('DELETE', '/custom/purge', 'content-length');
      const got = prodSaw(before);
      assert.equal(got.length, 1);
      assert.equal(got[0]!.method, 'DELETE');
      assert.equal(got[0]!.body.toString(), '{"dag_id":"etl"}\n');
    });
  });

  // --- item 12: look-alike query keys -------------------------------------------------------------------

  test('DAG_ID beside dag_id on a DAG-scoped route: 400 AIRLOCK_POLICY_AMBIGUOUS_PARAM, nothing forwarded', async () => {
    const before = stack.prod.received.length;
    for (const q of ['dag_id=etl&DAG_ID=finance_daily', 'Dag_Id=finance_daily', 'dag_id=etl&%EF%BD%84%EF%BD%81%EF%BD%87%EF%BC%BF%EF%BD%89%EF%BD%84=finance_daily']) {
      const res = await raw([`GET /api/v1/dags/~/dagRuns?${q} HTTP/1.1`, `Host: localhost:${port()}`, `Cookie: ${alice}`, 'Accept: application/json', 'Connection: close', '', ''].join('\r\n'));
      assert.equal(res.status, 400, q);
      assert.equal(JSON.parse(res.body).error, 'AIRLOCK_POLICY_AMBIGUOUS_PARAM', q);
    }
    assert.deepEqual(prodSaw(before), []);
  });

  // --- item 9: other proxies' headers, through the whole gateway ---------------------------------------------

  test("URL-rewrite, method-override, host and other proxies' identity headers never reach Airflow", async () => {
    const before = stack.prod.received.length;
    const spoofed = ['X-Original-URI: /admin', 'X-HTTP-Method-Override: DELETE', 'X-Host: evil.example', 'Remote-User: mallory', 'X-Remote-User: mallory', 'X-Auth-Request-User: mallory', 'X-WebAuth-User: mallory', 'X-Forwarded-User: mallory', 'X-Pomerium-Claim-Email: mallory@evil.example', 'X-Envoy-Original-Path: /admin'];
    const res = await raw([`GET /api/v1/dags HTTP/1.1`, `Host: localhost:${port()}`, `Cookie: ${alice}`, 'Accept: application/json', ...spoofed, 'Connection: close', '', ''].join('\r\n'));
    assert.equal(res.status, 200);
    const got = prodSaw(before);
    assert.equal(got.length, 1);
    for (const line of spoofed) assert.deepEqual(headerValues(got[0]!.headers, line.split(':')[0]!.toLowerCase()), [], line);
    assert.ok(!got[0]!.headers.join('\n').includes('mallory'));
    assert.ok(!got[0]!.headers.join('\n').includes('evil.example'));
  });
});
