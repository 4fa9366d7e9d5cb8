import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, readFile, rm, stat } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import type { Browser } from 'playwright-core';
import { startStack, type TestStack } from '../../integration/gateway/harness.ts';
import { launchChromium, Person } from '../webauthn/browser.ts';

const AIRLOCK = fileURLToPath(new URL('../../../bin/airlock.js', import.meta.url));

/** Runs the airlock CLI; `onStderr` sees its stderr as it comes. */
function airlock(args: readonly string[], env: NodeJS.ProcessEnv = {}): { child: ChildProcess; done: Promise<{ code: number | null; out: string; err: string }>; stderr: () => string } {
  const child = spawn(process.execPath, [AIRLOCK, ...args], { stdio: ['ignore', 'pipe', 'pipe'], env: { ...process.env, ...env } });
  let out = '';
  let err = '';
  child.stdout!.on('data', (d) => (out += d));
  child.stderr!.on('data', (d) => (err += d));
  const done = new Promise<{ code: number | null; out: string; err: string }>((resolve) => child.on('close', (code) => resolve({ code, out, err })));
  return { child, done, stderr: () => err };
}

async function until<T>(what: string, f: () => T | undefined, ms = 30_000): Promise<T> {
  const end = Date.now() + ms;
  for (;;) {
    const v = f();
    if (v !== undefined) return v;
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 50));
  }
}

/**
 * `airlock login --no-browser` (spawned) against the whole stack; a person in Chromium (an Admin, whose role
 * requires a security key: the CDP virtual authenticator) signs in through the dev IdP, registers a key, approves
 * the code; the CLI writes the token (0600) and the token then reaches Airflow through the gateway.
 */
describe('airlock login end to end (RFC 8628 device flow, Chromium)', () => {
  let stack: TestStack;
  let browser: Browser;
  let person: Person | undefined;
  let dir: string;

  before(async () => {
    stack = await startStack({
      config: (cfg) => {
        cfg.webauthn = { required_for: ['Admin'] };
        cfg.policy = { step_up: [{ env: 'prod', actions: ['trigger'], within: '5m' }] };
      },
    });
    browser = await launchChromium();
    dir = await mkdtemp(join(tmpdir(), 'airlock-login-'));
  });
  after(async () => {
    await person?.close();
    await browser?.close();
    await stack?.close();
    if (dir) await rm(dir, { recursive: true, force: true });
  });

  test('the CLI prints the code, the person approves it with a security key, the CLI writes the token, the token works', async () => {
    const file = join(dir, 'cfg', 'airlock', 'token');
    const cli = airlock(['login', '--url', stack.gatewayUrl, '--no-browser', '--env', 'prod', '--actions', 'read,trigger'], { XDG_CONFIG_HOME: join(dir, 'cfg') });
    const code = await until('the user code', () => /\n {4}([B-Z]{4}-[B-Z]{4})\n/.exec(cli.stderr())?.[1]);
    const complete = await until('the verification URL', () => /or open (\S+)/.exec(cli.stderr())?.[1]);
    assert.equal(complete, `${stack.publicUrl}/.airlock/device?user_code=${code}`);

    person = await Person.open(browser);
    await person.useAuthenticator();
    // signed out: the device page sends her through the IdP, the key gate (a first key), and back to the code
    await person.page.goto(complete);
    await person.page.fill('#username', 'alice');
    await person.page.fill('#password', 'alice-demo');
    await Promise.all([person.page.waitForURL((u) => u.pathname === '/.airlock/webauthn/verify'), person.page.click('button[type=submit]')]);
    await person.page.fill('#wa-name', 'YubiKey');
    await Promise.all([person.page.waitForURL((u) => u.pathname === '/.airlock/device'), person.page.click('#wa-go')]);
    assert.equal(await person.page.textContent('#user-code'), code);
    assert.match((await person.page.textContent('main')) ?? '', /acts as alice/);
    await person.shot('device-01-confirm');
    await Promise.all([person.page.waitForSelector('#done'), person.page.click('#approve')]);
    assert.equal(await person.page.textContent('#done'), 'Approved');

    const r = await cli.done;
    assert.equal(r.code, 0, r.err);
    assert.equal(r.out, '', 'the token is not printed');
    assert.match(r.err, new RegExp(`written to ${file.replace(/[.*+?^${}()|[\]\\]/g, '\\$&')}`));
    const st = await stat(file);
    assert.equal(st.mode & 0o777, 0o600);
    assert.equal((await stat(join(dir, 'cfg', 'airlock'))).mode & 0o777, 0o700, 'the directory it created');
    const token = (await readFile(file, 'utf8')).trim();
    assert.match(token, /^alk_p_[A-Za-z0-9_-]{49}$/);

    const dags = await fetch(`${stack.gatewayUrl}/api/v1/dags`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
    assert.equal(dags.status, 200, await dags.clone().text());
    // a prod trigger needs a person's fresh security key: a token can never give one
    const trigger = await fetch(`${stack.gatewayUrl}/api/v1/dags/etl_daily/dagRuns`, { method: 'POST', headers: { authorization: `Bearer ${token}`, 'content-type': 'application/json' }, body: '{}', redirect: 'manual' });
    assert.equal(trigger.status, 403);
    assert.equal(((await trigger.json()) as any).error, 'AIRLOCK_TOKEN_STEP_UP');
    // outside the token's environment
    const dev = await fetch(`${stack.gatewayUrl}/dev/api/v2/dags`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
    assert.equal(dev.status, 403);
    assert.equal(((await dev.json()) as any).error, 'AIRLOCK_TOKEN_SCOPE');

    const out = await airlock(['logout'], { XDG_CONFIG_HOME: join(dir, 'cfg') }).done;
    assert.equal(out.code, 0, out.err);
    await assert.rejects(stat(file), (e: any) => e.code === 'ENOENT');
    // logout removes the file only: the token works until it expires or is revoked
    const still = await fetch(`${stack.gatewayUrl}/api/v1/dags`, { headers: { authorization: `Bearer ${token}` }, redirect: 'manual' });
    assert.equal(still.status, 200);
  });

  test('--print: a denied request ends the CLI with an error and no token', async () => {
    const cli = airlock(['login', '--url', stack.gatewayUrl, '--no-browser', '--print']);
    const code = await until('the user code', () => /\n {4}([B-Z]{4}-[B-Z]{4})\n/.exec(cli.stderr())?.[1]);
    assert.ok(person, 'signed in by the previous test');
    await person.page.goto(`${stack.gatewayUrl}/.airlock/device`);
    await person.page.fill('input[name=user_code]', code.toLowerCase());
    await Promise.all([person.page.waitForSelector('#deny'), person.page.click('button[type=submit]')]);
    await Promise.all([person.page.waitForSelector('#done'), person.page.click('#deny')]);
    assert.equal(await person.page.textContent('#done'), 'Denied');
    const r = await cli.done;
    assert.equal(r.code, 1);
    assert.equal(r.out, '');
    assert.match(r.err, /the sign-in was denied/);
  });
});
