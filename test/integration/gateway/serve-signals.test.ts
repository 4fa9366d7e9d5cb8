/**
 * `airlock serve` and SIGTERM while its workers are still starting (a pod stopped during a rollout): the primary
 * handles the signal from the start, lets the workers finish starting, then stops them gracefully (exit 0),
 * instead of dying at once and taking workers that already serve, and their unwritten read events, with it.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { after, test } from 'node:test';
import { freePort } from './harness.ts';
import { writeOfflineGatewayConfig } from '../../support/offline-gateway-config.ts';

const root = resolve(import.meta.dirname, '../../..');
const BIN = join(root, 'bin', 'airlock.js');
const dir = mkdtempSync(join(tmpdir(), 'airlock-signals-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('SIGTERM while the workers start: they finish starting, then stop gracefully; exit 0', async () => {
  const port = await freePort();
  const config = writeOfflineGatewayConfig(dir, port, 2);
  const gw = spawn(process.execPath, [BIN, 'serve', '--config', config], { cwd: dir, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  gw.stderr!.on('data', (d) => (out += d));
  const exited = new Promise<{ code: number | null; signal: string | null }>((r) => gw.on('exit', (code, signal) => r({ code, signal })));
  // the first line a worker logs: the primary is waiting for its workers to be ready
  const workerStarted = new Promise<void>((resolveStarted) => {
    gw.stdout!.on('data', (d) => {
      out += d;
      for (const line of out.split('\n')) {
        if (line.startsWith('{') && !line.includes(`"pid":${gw.pid},`)) return resolveStarted();
      }
    });
  });
  await workerStarted;
  assert.doesNotMatch(out, /airlock cluster started/, 'the signal comes while the cluster is still starting');
  gw.kill('SIGTERM');
  const r = await exited;
  assert.deepEqual(r, { code: 0, signal: null }, out.slice(-2000));
  assert.match(out, /airlock cluster started/, 'the workers finished starting before they were stopped');
  // nothing is left listening, and the store is consistent (the workers closed it)
  const probe = await fetch(`http://127.0.0.1:${port}/.airlock/healthz`).then((x) => x.status, () => 0);
  assert.equal(probe, 0, 'no worker is left serving');
  const verify = spawnSync(process.execPath, [BIN, 'audit', 'verify', '--config', config], { cwd: dir, encoding: 'utf8' });
  assert.equal(verify.status, 0, verify.stdout + verify.stderr);
});
