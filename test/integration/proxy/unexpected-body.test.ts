import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { isAirlockError } from '../../../src/errors/index.ts';
import { startRecordingUpstream, type RecordingUpstream } from './support/recording-upstream.ts';
import { startGateway, oneEnv, type Gateway } from './support/gateway.ts';
import { rawRequest } from './support/raw.ts';
import { startWsUpstream, type WsUpstream } from './support/ws-upstream.ts';

const UPGRADE = ['Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13'];

function req(method: string, framing: 'content-length' | 'chunked', extra: string[] = []): string {
  const head = [`${method} /api/v1/dags HTTP/1.1`, 'Host: 127.0.0.1', ...extra];
  if (framing === 'content-length') return [...head, 'Content-Length: 11', 'Connection: close', '', 'hello=world'].join('\r\n');
  return [...head, 'Transfer-Encoding: chunked', 'Connection: close', '', 'b', 'hello=world', '0', '', ''].join('\r\n');
}

function lastCode(gw: Gateway): string | undefined {
  const e = gw.errors.at(-1);
  return isAirlockError(e) ? e.code : undefined;
}

for (const mode of ['strict', 'lenient'] as const) {
  describe(`a body on GET or HEAD is refused, never forwarded (${mode === 'strict' ? "Node's default parser" : 'insecureHTTPParser'})`, () => {
    let up: RecordingUpstream;
    let ws: WsUpstream;
    let gw: Gateway;
    let wsGw: Gateway;
    before(async () => {
      up = await startRecordingUpstream();
      ws = await startWsUpstream();
      const serverOptions = mode === 'lenient' ? { serverOptions: { insecureHTTPParser: true, requireHostHeader: false } } : {};
      gw = await startGateway({ environments: oneEnv(up.url), ...serverOptions });
      wsGw = await startGateway({ environments: oneEnv(ws.url), ...serverOptions });
    });
    after(async () => {
      await gw.close();
      await wsGw.close();
      await up.close();
      await ws.close();
    });

    for (const method of ['GET', 'HEAD'] as const) {
      for (const framing of ['content-length', 'chunked'] as const) {
        test(`${method} with a ${framing} body: 400 AIRLOCK_PROXY_UNEXPECTED_BODY`, async () => {
          const before = up.received.length;
          const errors = gw.errors.length;
          const res = await rawRequest(gw.port, req(method, framing));
          assert.equal(res.status, 400);
          assert.equal(gw.errors.length, errors + 1);
          assert.equal(lastCode(gw), 'AIRLOCK_PROXY_UNEXPECTED_BODY');
          if (method === 'GET') assert.equal(JSON.parse(res.body).error, 'AIRLOCK_PROXY_UNEXPECTED_BODY');
          assert.equal(up.received.length, before, 'nothing reached the upstream');
        });
      }
    }

    for (const framing of ['content-length', 'chunked'] as const) {
      test(`a WebSocket upgrade (GET) with a ${framing} body: 400, the upstream never sees the upgrade`, async () => {
        const before = ws.seen.length;
        const res = await rawRequest(wsGw.port, req('GET', framing, UPGRADE).replace('Connection: close\r\n', ''));
        assert.equal(res.status, 400);
        assert.equal(JSON.parse(res.body).error, 'AIRLOCK_PROXY_UNEXPECTED_BODY');
        assert.equal(ws.seen.length, before);
      });
    }

    test('"Content-Length: 0" is no body: GET and HEAD are forwarded', async () => {
      const before = up.received.length;
      for (const method of ['GET', 'HEAD']) {
        const res = await rawRequest(gw.port, [`${method} /api/v1/dags HTTP/1.1`, 'Host: 127.0.0.1', 'Content-Length: 0', 'Connection: close', '', ''].join('\r\n'));
        assert.equal(res.status, 200, method);
      }
      assert.deepEqual(up.received.slice(before).map((r) => [r.method, r.body.length]), [['GET', 0], ['HEAD', 0]]);
    });

    test('a POST body is still forwarded (content-length and chunked)', async () => {
      const before = up.received.length;
      for (const framing of ['content-length', 'chunked'] as const) assert.equal((await rawRequest(gw.port, req('POST', framing))).status, 200);
      assert.deepEqual(up.received.slice(before).map((r) => r.body.toString()), ['hello=world', 'hello=world']);
    });
  });
}
