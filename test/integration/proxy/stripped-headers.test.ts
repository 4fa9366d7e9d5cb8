import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startRecordingUpstream, type RecordingUpstream } from './support/recording-upstream.ts';
import { startGateway, oneEnv, type Gateway } from './support/gateway.ts';
import net from 'node:net';
import { parseRaw, rawRequest } from './support/raw.ts';
import { startWsUpstream, type WsUpstream } from './support/ws-upstream.ts';
import { strippedHeaderNames } from '../../support/stripped-header-names.ts';

/** The header as a client would spoof it: as written, upper case, lower case (three lines, three values). */
function spoofLines(name: string): string[] {
  return [`${name}: spoof-a`, `${name.toUpperCase()}: spoof-b`, `${name.toLowerCase()}: spoof-c`];
}

/** Sends an upgrade and resolves with the response head as soon as it arrives (the tunnel is then closed). */
function upgradeHead(port: number, bytes: string): Promise<ReturnType<typeof parseRaw>> {
  return new Promise((resolve, reject) => {
    const c = net.connect(port, '127.0.0.1');
    let buf = '';
    c.on('data', (d: Buffer) => {
      buf += d.toString('latin1');
      const end = buf.indexOf('\r\n\r\n');
      if (end !== -1) {
        c.destroy();
        resolve(parseRaw(buf.slice(0, end + 4)));
      }
    });
    c.on('error', reject);
    c.on('close', () => reject(new Error(`closed before a response head: ${JSON.stringify(buf.slice(0, 200))}`)));
    c.write(bytes);
  });
}

/** The gateway sets these itself (once, from the TCP peer): the client's copies are gone, the gateway's value stays. */
const GATEWAY_ADDED = new Set(['x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port']);

function assertGone(rawHeaders: readonly string[], name: string): void {
  const lower = name.toLowerCase();
  let seen = 0;
  for (let i = 0; i + 1 < rawHeaders.length; i += 2) {
    assert.doesNotMatch(rawHeaders[i + 1]!, /spoof-/, `a spoofed value reached the upstream in ${rawHeaders[i]}`);
    if (rawHeaders[i]!.toLowerCase() === lower) seen++;
  }
  assert.equal(seen, GATEWAY_ADDED.has(lower) ? 1 : 0, `${name} upstream`);
}

describe('every header of the table is removed before forwarding (docs/proxy.md "Headers removed by name")', () => {
  let up: RecordingUpstream;
  let ws: WsUpstream;
  let gw: Gateway;
  let wsGw: Gateway;
  before(async () => {
    up = await startRecordingUpstream();
    ws = await startWsUpstream();
    gw = await startGateway({ environments: oneEnv(up.url) });
    wsGw = await startGateway({ environments: oneEnv(ws.url) });
  });
  after(async () => {
    await gw.close();
    await wsGw.close();
    await up.close();
    await ws.close();
  });

  for (const name of strippedHeaderNames()) {
    test(`HTTP: ${name}`, async () => {
      const before = up.received.length;
      const res = await rawRequest(gw.port, ['GET /api/v1/dags HTTP/1.1', 'Host: 127.0.0.1', ...spoofLines(name), 'X-Keep: kept', 'Connection: close', '', ''].join('\r\n'));
      assert.equal(res.status, 200);
      assert.equal(up.received.length, before + 1);
      const got = up.received[before]!;
      assertGone(got.rawHeaders, name);
      assert.equal(got.headers['x-keep'], 'kept');
    });

    test(`WebSocket upgrade: ${name}`, async () => {
      const before = ws.seen.length;
      const res = await upgradeHead(
        wsGw.port,
        ['GET /ws/x HTTP/1.1', 'Host: 127.0.0.1', 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', ...spoofLines(name), 'X-Keep: kept', '', ''].join('\r\n'),
      );
      assert.equal(res.status, 101);
      assert.equal(ws.seen.length, before + 1);
      const got = ws.seen[before]!;
      assertGone(got.rawHeaders, name);
      assert.equal(got.headers['x-keep'], 'kept');
    });
  }
});
