import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { createHash, randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import { startGateway, oneEnv } from './support/gateway.ts';
import { startRecordingUpstream } from './support/recording-upstream.ts';

const MB = 1024 * 1024;
const TOTAL = 20 * MB;

function withTimeout<T>(p: Promise<T>, ms: number, what: string): Promise<T> {
  let t: NodeJS.Timeout;
  return Promise.race([p, new Promise<T>((_, rej) => (t = setTimeout(() => rej(new Error(`timed out waiting for ${what}`)), ms)))]).finally(() => clearTimeout(t));
}

async function listen(server: http.Server): Promise<number> {
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return (server.address() as AddressInfo).port;
}

function close(server: http.Server): Promise<void> {
  server.closeAllConnections();
  return new Promise((r) => server.close(() => r()));
}

describe('streaming', () => {
  test('a 20 MB request body streams to the upstream before the client finished sending', async () => {
    let firstChunk!: () => void;
    const gotFirst = new Promise<void>((r) => (firstChunk = r));
    const upstream = http.createServer((req, res) => {
      const hash = createHash('sha256');
      let n = 0;
      req.on('data', (c: Buffer) => {
        if (n === 0) firstChunk();
        n += c.length;
        hash.update(c);
      });
      req.on('end', () => res.end(JSON.stringify({ n, sha: hash.digest('hex') })));
    });
    const upPort = await listen(upstream);
    const gw = await startGateway({ environments: oneEnv(`http://127.0.0.1:${upPort}`) });
    try {
      const block = randomBytes(MB);
      const sent = createHash('sha256');
      const req = http.request({ host: '127.0.0.1', port: gw.port, method: 'POST', path: '/upload', headers: { 'content-length': String(TOTAL) } });
      const response = new Promise<string>((resolve, reject) => {
        req.on('response', (res) => {
          let s = '';
          res.setEncoding('utf8');
          res.on('data', (d: string) => (s += d));
          res.on('end', () => resolve(s));
        });
        req.on('error', reject);
      });
      req.write(block);
      sent.update(block);
      // If the gateway buffered the body, the upstream would see nothing until we end: this would time out.
      await withTimeout(gotFirst, 5000, 'the upstream to receive the first chunk');
      for (let i = 1; i < TOTAL / MB; i++) {
        const b = Buffer.from(block);
        b[0] = i;
        sent.update(b);
        if (!req.write(b)) await new Promise((r) => req.once('drain', r));
      }
      req.end();
      const body = JSON.parse(await withTimeout(response, 20_000, 'the response')) as { n: number; sha: string };
      assert.equal(body.n, TOTAL);
      assert.equal(body.sha, sent.digest('hex'));
    } finally {
      await gw.close();
      await close(upstream);
    }
  });

  test('a 20 MB response streams to the client before the upstream finished sending', async () => {
    let clientGotData!: () => void;
    const clientGot = new Promise<void>((r) => (clientGotData = r));
    const sent = createHash('sha256');
    const upstream = http.createServer(async (_req, res) => {
      res.writeHead(200, { 'content-type': 'application/octet-stream' });
      const block = randomBytes(MB);
      res.write(block);
      sent.update(block);
      try {
        await withTimeout(clientGot, 5000, 'the client to receive the first chunk');
      } catch {
        res.destroy();
        return;
      }
      for (let i = 1; i < TOTAL / MB; i++) {
        const b = Buffer.from(block);
        b[0] = i;
        sent.update(b);
        if (!res.write(b)) await new Promise((r) => res.once('drain', r));
      }
      res.end();
    });
    const upPort = await listen(upstream);
    const gw = await startGateway({ environments: oneEnv(`http://127.0.0.1:${upPort}`) });
    try {
      const got = await new Promise<{ n: number; sha: string }>((resolve, reject) => {
        const req = http.get({ host: '127.0.0.1', port: gw.port, path: '/download' }, (res) => {
          const h = createHash('sha256');
          let n = 0;
          res.on('data', (c: Buffer) => {
            if (n === 0) clientGotData();
            n += c.length;
            h.update(c);
          });
          res.on('end', () => resolve({ n, sha: h.digest('hex') }));
          res.on('error', reject);
        });
        req.on('error', reject);
      });
      assert.equal(got.n, TOTAL);
      assert.equal(got.sha, sent.digest('hex'));
      assert.equal(gw.results.at(-1)?.status, 200);
    } finally {
      await gw.close();
      await close(upstream);
    }
  });

  test('an already-read body Buffer is forwarded byte-identical with its exact Content-Length', async () => {
    const up = await startRecordingUpstream();
    const gw = await startGateway({ environments: oneEnv(up.url), readBody: true });
    try {
      const bytes = Buffer.concat([Buffer.from(Array.from({ length: 256 }, (_, i) => i)), Buffer.from('{"dag_id":"finance_eod"}\r\n\r\n0\r\n')]);
      for (const headers of [{ 'content-length': String(bytes.length) }, { 'transfer-encoding': 'chunked' }]) {
        const status = await new Promise<number>((resolve, reject) => {
          const req = http.request({ host: '127.0.0.1', port: gw.port, method: 'POST', path: '/api/v1/dags/finance_eod/dagRuns', headers }, (res) => {
            res.resume();
            res.on('end', () => resolve(res.statusCode ?? 0));
          });
          req.on('error', reject);
          req.end(bytes);
        });
        assert.equal(status, 200);
        const got = up.received.at(-1)!;
        assert.ok(got.body.equals(bytes));
        assert.equal(got.headers['content-length'], String(bytes.length));
        assert.equal(got.headers['transfer-encoding'], undefined);
      }
    } finally {
      await gw.close();
      await up.close();
    }
  });
});
