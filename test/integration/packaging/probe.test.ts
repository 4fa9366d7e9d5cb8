/**
 * `airlock probe`, the container HEALTHCHECK (no shell or curl in the image): exit 0 on 200 from the health URL,
 * 1 with the reason on stderr otherwise; bad options are usage errors.
 */
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { resolve } from 'node:path';

const BIN = resolve(import.meta.dirname, '../../../bin/airlock.js');
let server: Server;
let base: string;

before(async () => {
  server = createServer((req, res) => {
    if (req.url === '/.airlock/healthz') res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
    else if (req.url === '/slow') setTimeout(() => res.writeHead(200).end(), 2_000);
    else if (req.url === '/redirect') res.writeHead(302, { location: '/.airlock/healthz' }).end();
    else res.writeHead(503).end();
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
});
after(() => new Promise<void>((r) => { server.closeAllConnections(); server.close(() => r()); }));

function probe(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stderr: string }> {
  return new Promise((done) => {
    const child = spawn(process.execPath, [BIN, 'probe', ...args], { env: { ...process.env, ...env }, stdio: ['ignore', 'ignore', 'pipe'] });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d));
    child.on('close', (code) => done({ code, stderr }));
  });
}

test('200 from the health URL: exit 0, nothing printed', async () => {
  const r = await probe(['--url', `${base}/.airlock/healthz`]);
  assert.deepEqual(r, { code: 0, stderr: '' });
});

test('AIRLOCK_PROBE_URL names the URL when --url is not given', async () => {
  assert.equal((await probe([], { AIRLOCK_PROBE_URL: `${base}/.airlock/healthz` })).code, 0);
  const bad = await probe([], { AIRLOCK_PROBE_URL: `${base}/down` });
  assert.equal(bad.code, 1);
});

test('another status, a redirect, no answer in time, or nothing listening: exit 1 with the reason', async () => {
  const down = await probe(['--url', `${base}/down`]);
  assert.equal(down.code, 1);
  assert.match(down.stderr, /answered 503/);
  const redirect = await probe(['--url', `${base}/redirect`]);
  assert.equal(redirect.code, 1, 'a redirect is not health');
  assert.match(redirect.stderr, /answered 302/);
  const slow = await probe(['--url', `${base}/slow`, '--timeout', '200']);
  assert.equal(slow.code, 1);
  assert.match(slow.stderr, /no answer within 200 ms/);
  const closed = createServer();
  await new Promise<void>((r) => closed.listen(0, '127.0.0.1', r));
  const port = (closed.address() as AddressInfo).port;
  await new Promise<void>((r) => closed.close(() => r()));
  const refused = await probe(['--url', `http://127.0.0.1:${port}/.airlock/healthz`]);
  assert.equal(refused.code, 1);
  assert.match(refused.stderr, /ECONNREFUSED/);
});

test('bad options are refused as usage errors', async () => {
  const scheme = await probe(['--url', 'ftp://example.com/']);
  assert.notEqual(scheme.code, 0);
  assert.match(scheme.stderr, /must be an http or https URL/);
  const timeout = await probe(['--url', `${base}/.airlock/healthz`, '--timeout', '5']);
  assert.notEqual(timeout.code, 0);
  assert.match(timeout.stderr, /from 100 to 60000/);
});
