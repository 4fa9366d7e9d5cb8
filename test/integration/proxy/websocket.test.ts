import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startGateway, oneEnv, type Gateway } from './support/gateway.ts';
import { rawRequest, parseRaw } from './support/raw.ts';
import { acceptKey, decodeFrames, encodeText, type Frame } from './support/ws.ts';
import { startWsUpstream } from './support/ws-upstream.ts';

const KEY = 'dGhlIHNhbXBsZSBub25jZQ==';

function upgradeRequest(path: string, extra: string[] = []) {
  return [`GET ${path} HTTP/1.1`, 'Host: 127.0.0.1', 'Upgrade: websocket', 'Connection: Upgrade', `Sec-WebSocket-Key: ${KEY}`, 'Sec-WebSocket-Version: 13', 'Sec-WebSocket-Protocol: chat', ...extra, '', ''].join('\r\n');
}

/** Opens a client socket to the gateway, upgrades, and returns helpers to read frames. */
async function connectWs(port: number, path: string, extra: string[] = []) {
  const sock = net.connect(port, '127.0.0.1');
  let buf: Buffer = Buffer.alloc(0);
  let headText: string | undefined;
  const frames: Frame[] = [];
  const waiters: (() => void)[] = [];
  sock.on('data', (d: Buffer) => {
    buf = Buffer.concat([buf, d]);
    if (headText === undefined) {
      const end = buf.indexOf('\r\n\r\n');
      if (end === -1) return;
      headText = buf.subarray(0, end + 4).toString('latin1');
      buf = buf.subarray(end + 4);
    }
    const r = decodeFrames(buf);
    buf = r.rest;
    frames.push(...r.frames);
    for (const w of waiters.splice(0)) w();
  });
  sock.write(upgradeRequest(path, extra));
  const waitFor = async (n: number) => {
    const deadline = Date.now() + 3000;
    while (frames.length < n || headText === undefined) {
      if (Date.now() > deadline) throw new Error(`timed out waiting for ${n} frames`);
      await new Promise<void>((r) => {
        waiters.push(r);
        setTimeout(r, 100);
      });
    }
  };
  return { sock, frames, waitFor, head: () => parseRaw(headText ?? '') };
}

describe('WebSocket tunnel', () => {
  let up: Awaited<ReturnType<typeof startWsUpstream>>;
  let gw: Gateway;
  before(async () => {
    up = await startWsUpstream();
    gw = await startGateway({ environments: oneEnv(up.url), add: { 'X-Airlock-User': 'alice' }, protectedCookies: new Set(['airlock', 'airlock-login']) });
  });
  after(async () => {
    await gw.close();
    await up.close();
  });

  test('tunnels after a real 101 and echoes frames both ways', async () => {
    const c = await connectWs(gw.port, '/ws/logs?dag=a', ['Cookie: airlock=SECRET; other=1', 'X-Airlock-User: mallory']);
    try {
      await c.waitFor(1);
      const h = c.head();
      assert.equal(h.status, 101);
      assert.equal(h.headers['sec-websocket-accept'], acceptKey(KEY));
      assert.equal(h.headers['upgrade'], 'websocket');
      assert.equal(h.headers['sec-websocket-protocol'], 'chat');
      assert.deepEqual(c.frames[0], { opcode: 1, text: 'welcome', masked: false });
      c.sock.write(encodeText('hello', true));
      c.sock.write(encodeText('x'.repeat(1000), true));
      await c.waitFor(3);
      assert.equal(c.frames[1]!.text, 'echo:hello');
      assert.equal(c.frames[2]!.text, `echo:${'x'.repeat(1000)}`);
      const s = up.seen.at(-1)!;
      assert.equal(s.url, '/ws/logs?dag=a');
      assert.equal(s.headers['x-airlock-user'], 'alice');
      assert.equal(s.headers.cookie, 'other=1');
      assert.equal(s.headers['x-forwarded-for'], '127.0.0.1');
      assert.equal(s.headers['sec-websocket-protocol'], 'chat');
      assert.equal(gw.results.at(-1)?.status, 101);
    } finally {
      c.sock.destroy();
    }
  });

  test("a 101 setting the gateway's session cookie: that Set-Cookie is dropped (reported), the upstream's own is relayed", async () => {
    const c = await connectWs(gw.port, '/ws/cookies');
    try {
      await c.waitFor(1);
      const h = c.head();
      assert.equal(h.status, 101);
      assert.equal(h.headers['set-cookie'], 'ws-pref=1');
      assert.deepEqual((gw.results.at(-1) as { droppedCookies?: string[] }).droppedCookies, ['airlock']);
    } finally {
      c.sock.destroy();
    }
  });

  test('an upstream refusal (403) is relayed and no tunnel is opened', async () => {
    const res = await rawRequest(gw.port, upgradeRequest('/ws/denied') + encodeText('sneaky', true).toString('latin1'));
    assert.equal(res.status, 403);
    assert.equal(res.body, 'no way');
    assert.equal(res.headers['x-reason'], 'policy');
    assert.equal(res.headers['connection'], 'close');
    assert.equal(res.headers['upgrade'], undefined);
    assert.equal(gw.results.at(-1)?.status, 403);
  });

  test('a 101 with a wrong Sec-WebSocket-Accept is not tunnelled (502)', async () => {
    const res = await rawRequest(gw.port, upgradeRequest('/ws/bad-accept'));
    assert.equal(res.status, 502);
    assert.equal(JSON.parse(res.body).error, 'AIRLOCK_PROXY_BAD_UPSTREAM_RESPONSE');
  });

  test('a non-WebSocket upgrade is refused with AIRLOCK_PROXY_BAD_UPGRADE and never reaches the upstream', async () => {
    const before = up.seen.length;
    const res = await rawRequest(gw.port, 'GET / HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: h2c\r\nConnection: Upgrade\r\n\r\n');
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.body).error, 'AIRLOCK_PROXY_BAD_UPGRADE');
    assert.equal(up.seen.length, before);
  });

  test('a WebSocket upgrade with Connection naming a protected header is refused', async () => {
    const before = up.seen.length;
    const res = await rawRequest(gw.port, upgradeRequest('/ws/x').replace('Connection: Upgrade', 'Connection: Upgrade, X-Airlock-Assertion'));
    assert.equal(res.status, 400);
    assert.equal(JSON.parse(res.body).error, 'AIRLOCK_PROXY_BAD_HEADER');
    assert.equal(up.seen.length, before);
  });
});
