import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import net from 'node:net';
import { startGateway, oneEnv } from './support/gateway.ts';
import { rawRequest } from './support/raw.ts';

/** A port on which nothing listens (bound, then closed). */
async function deadPort(): Promise<number> {
  const s = net.createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  const port = (s.address() as net.AddressInfo).port;
  await new Promise<void>((r) => s.close(() => r()));
  return port;
}

/** Accepts connections, reads everything, never answers. */
async function silentUpstream(): Promise<{ port: number; sockets: Set<net.Socket>; close(): Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const s = net.createServer((sock) => {
    sockets.add(sock);
    sock.resume();
    sock.on('close', () => sockets.delete(sock));
  });
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', r));
  return {
    port: (s.address() as net.AddressInfo).port,
    sockets,
    close: () =>
      new Promise<void>((r) => {
        for (const x of sockets) x.destroy();
        s.close(() => r());
      }),
  };
}

const WS_UPGRADE = (path: string) =>
  `GET ${path} HTTP/1.1\r\nHost: 127.0.0.1\r\nUpgrade: websocket\r\nConnection: Upgrade\r\nSec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`;

describe('upstream failures never hang', () => {
  test('upstream down -> 502 AIRLOCK_PROXY_UPSTREAM_UNAVAILABLE quickly (HTTP and WebSocket)', async () => {
    const gw = await startGateway({ environments: oneEnv(`http://127.0.0.1:${await deadPort()}`, { timeout: 5000, connect_timeout: 5000 }) });
    try {
      const t0 = performance.now();
      const res = await rawRequest(gw.port, 'GET /home HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n');
      assert.ok(performance.now() - t0 < 1500, 'answered quickly');
      assert.equal(res.status, 502);
      assert.equal(JSON.parse(res.body).error, 'AIRLOCK_PROXY_UPSTREAM_UNAVAILABLE');
      const ws = await rawRequest(gw.port, WS_UPGRADE('/ws'));
      assert.equal(ws.status, 502);
      assert.equal(JSON.parse(ws.body).error, 'AIRLOCK_PROXY_UPSTREAM_UNAVAILABLE');
    } finally {
      await gw.close();
    }
  });

  test('upstream accepts and never answers -> 504 AIRLOCK_PROXY_UPSTREAM_TIMEOUT within the timeout', async () => {
    const up = await silentUpstream();
    const gw = await startGateway({ environments: oneEnv(`http://127.0.0.1:${up.port}`, { timeout: 400, connect_timeout: 1000 }) });
    try {
      const t0 = performance.now();
      const res = await rawRequest(gw.port, 'POST /api/v1/dags HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}', 5000);
      const took = performance.now() - t0;
      assert.equal(res.status, 504);
      assert.equal(JSON.parse(res.body).error, 'AIRLOCK_PROXY_UPSTREAM_TIMEOUT');
      assert.ok(took >= 350 && took < 2500, `took ${took} ms`);
      const t1 = performance.now();
      const ws = await rawRequest(gw.port, WS_UPGRADE('/ws'), 5000);
      assert.equal(ws.status, 504);
      assert.equal(JSON.parse(ws.body).error, 'AIRLOCK_PROXY_UPSTREAM_TIMEOUT');
      assert.ok(performance.now() - t1 < 2500);
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
