/**
 * The README's first command, as a person runs it: `npm run demo` starts the gateway, the dev IdP and the
 * Airflow stand-ins; a demo user logs in through the printed URL and reaches Airflow; Ctrl+C (SIGINT) stops it.
 */
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { freePort } from '../gateway/harness.ts';
import { loginThroughGateway } from '../../support/login.ts';

const root = resolve(import.meta.dirname, '../../..');
const dir = mkdtempSync(join(tmpdir(), 'airlock-npm-demo-'));
let child: ChildProcess | undefined;
// the demo runs in its own process group (npm -> sh -> node), like a command started in a terminal
const killGroup = (signal: NodeJS.Signals) => {
  try {
    process.kill(-child!.pid!, signal);
  } catch { /* the group is gone */ }
};
after(() => {
  if (child) killGroup('SIGKILL');
  rmSync(dir, { recursive: true, force: true });
});

test('npm run demo: banner, login as a demo user, Airflow through the gateway, clean stop on SIGINT', async () => {
  const [port, idpPort] = [await freePort(), await freePort()];
  child = spawn('npm', ['run', 'demo', '--', '--port', String(port), '--idp-port', String(idpPort), '--dir', dir], {
    cwd: root, stdio: ['ignore', 'pipe', 'pipe'], detached: true,
  });
  let out = '';
  child.stdout!.on('data', (d: Buffer) => (out += d));
  child.stderr!.on('data', (d: Buffer) => (out += d));
  const exited = new Promise<number | null>((r) => child!.once('exit', (code) => r(code)));
  const deadline = Date.now() + 60_000;
  while (!out.includes('Airlock demo is running')) {
    assert.ok(Date.now() < deadline, `the demo printed its banner: ${out.slice(-2000)}`);
    assert.equal(child.exitCode, null, `the demo is still running: ${out.slice(-2000)}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const gateway = `http://localhost:${port}`;
  assert.match(out, new RegExp(`Open ${gateway}/`));
  assert.match(out, /alice\s+alice-demo\s+Admin/);
  // the ready CI token: its file is named in the banner, and the printed command works
  const ciFile = join(dir, 'etl-ci.token');
  assert.ok(out.includes(`curl -s -H "Authorization: Bearer $(cat ${ciFile})" ${gateway}/api/v1/dags/example_etl/dagRuns`), out.slice(-3000));
  const ciRuns = await fetch(`${gateway}/api/v1/dags/example_etl/dagRuns`, { headers: { authorization: `Bearer ${readFileSync(ciFile, 'utf8').trim()}` } });
  assert.equal(ciRuns.status, 200);
  await ciRuns.arrayBuffer();

  const { cookieHeader, response, finalUrl } = await loginThroughGateway(gateway, 'carol', 'carol-demo', { returnTo: '/api/v1/dags' });
  assert.equal(new URL(finalUrl).origin, gateway);
  assert.equal(response.status, 200);
  const dags = (await response.json()) as { dags: Array<{ dag_id: string }> };
  assert.ok(dags.dags.length > 0, 'the Airflow 2 stand-in answered through the gateway');
  const whoami = await fetch(`${gateway}/.airlock/whoami`, { headers: { cookie: cookieHeader } });
  assert.equal(whoami.status, 200);
  assert.equal(((await whoami.json()) as { username: string }).username, 'carol');

  // Ctrl+C: the terminal sends SIGINT to the whole process group; the demo closes the gateway, IdP and stand-ins
  const closed = new Promise<void>((r) => child!.stdout!.once('close', () => r()));
  killGroup('SIGINT');
  const code = await Promise.race([exited, new Promise<'timeout'>((r) => setTimeout(() => r('timeout'), 15_000))]);
  assert.notEqual(code, 'timeout', 'the demo stopped after SIGINT');
  const released = await Promise.race([closed.then(() => true), new Promise<boolean>((r) => setTimeout(() => r(false), 10_000))]);
  assert.ok(released, 'every process of the demo exited (none holds its output open)');
  await assert.rejects(fetch(`${gateway}/.airlock/healthz`), 'the gateway port is closed');
});
