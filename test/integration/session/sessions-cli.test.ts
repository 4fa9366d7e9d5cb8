import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import net from 'node:net';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { openStore, type Store } from '../../../src/store/index.ts';
import { startWsUpstream, type WsUpstream } from '../proxy/support/ws-upstream.ts';
import { startStack, type TestStack } from '../gateway/harness.ts';
import { rawRequest, SESSION_COOKIE } from '../gateway/flows.ts';
import { freshSchema } from '../store/pg-schema.ts';
import { loginThroughGateway } from '../../support/login.ts';

/**
 * Issue #14 item 2: `airlock sessions list | revoke`, run as its own process like an operator would, against two
 * running worker processes that trust their session caches for 10 minutes: a revocation must reach both (SQLite:
 * the workers' store poll; PostgreSQL: NOTIFY through each host's LISTEN) within 250 ms, close the open WebSockets
 * of the revoked sessions, and leave an audit event per ended session.
 */
const BIN = fileURLToPath(new URL('../../../bin/airlock.js', import.meta.url));
const BOUND_MS = 250;

function cli(configPath: string, ...args: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args, '--config', configPath], { timeout: 30_000, env: { ...process.env, AIRLOCK_CONFIG: '' } }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : 1) : 0, stdout, stderr });
    });
  });
}

for (const backend of ['sqlite', 'postgres'] as const) {
  describe(`airlock sessions (${backend}, 2 workers)`, () => {
    let stack: TestStack;
    let ws: WsUpstream;
    let store: Store;
    let schema: Awaited<ReturnType<typeof freshSchema>> | undefined;

    before(async () => {
      if (backend === 'postgres') schema = await freshSchema('airlock_sessions_cli');
      ws = await startWsUpstream();
      stack = await startStack({
        workers: 2,
        verifyAssertions: false, // (two fresh workers may each mint a signing key; not the subject here)
        ...(schema ? { store: schema.url.reveal() } : {}),
        config: (c) => {
          c.session = { cache_ttl: '10m' };
          c.environments.live = { host: 'localhost', path_prefix: '/live', upstream: ws.url, airflow: 2, timeout: '3s', connect_timeout: '1s' };
        },
      });
      store = await openStore(schema ? { kind: 'postgres', url: schema.url, pool: 2 } : ({ kind: 'sqlite', path: `${stack.dir}/airlock.db`, pool: 1 } as never));
    });
    after(async () => {
      await store?.close();
      await stack?.close();
      await ws?.close();
      await schema?.drop();
    });

    async function login(user: string): Promise<string> {
      const r = await loginThroughGateway(stack.gatewayUrl, user, `${user}-demo`);
      await r.response.arrayBuffer();
      return `${SESSION_COOKIE}=${r.jar.get(stack.gatewayUrl, SESSION_COOKIE)}`;
    }
    const burst = (cookie: string, n = 8) => Promise.all(Array.from({ length: n }, () => rawRequest(`${stack.gatewayUrl}/api/v1/dags`, { headers: [['Cookie', cookie], ['Accept', 'application/json']] })));
    async function assertServed(cookie: string): Promise<void> {
      for (const r of await burst(cookie)) assert.equal(r.status, 200, r.body.slice(0, 200));
    }
    /** Refused by both workers within BOUND_MS of `since`, and by every later request. */
    async function assertRefusedWithin(cookie: string, since: number): Promise<void> {
      for (;;) {
        const statuses = (await burst(cookie)).map((r) => r.status);
        if (statuses.every((s) => s === 401)) break;
        assert.ok(Date.now() - since < BOUND_MS, `still served ${BOUND_MS} ms after the revocation: ${statuses}`);
      }
      for (const r of await burst(cookie, 10)) assert.equal(r.status, 401);
    }

    /** A WebSocket through the gateway (101 from the upstream); resolves `closed` when the gateway ends it. */
    function openWs(cookie: string): Promise<{ closed: Promise<number> }> {
      return new Promise((resolve, reject) => {
        const sock = net.connect(Number(new URL(stack.gatewayUrl).port), '127.0.0.1');
        let head = '';
        const closed = new Promise<number>((r) => sock.once('close', () => r(Date.now())));
        sock.on('error', () => undefined);
        sock.on('data', (d: Buffer) => {
          if (head.includes('\r\n\r\n')) return;
          head += d.toString('latin1');
          if (!head.includes('\r\n\r\n')) return;
          if (!head.startsWith('HTTP/1.1 101')) return reject(new Error(`no tunnel: ${head.slice(0, 200)}`));
          resolve({ closed });
        });
        sock.write(['GET /live/api/v1/dags HTTP/1.1', `Host: ${new URL(stack.gatewayUrl).host}`, 'Upgrade: websocket', 'Connection: Upgrade', 'Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==', 'Sec-WebSocket-Version: 13', `Cookie: ${cookie}`, '', ''].join('\r\n'));
      });
    }

    test('list: live sessions, by user, as JSON without any secret', async () => {
      const carol1 = await login('carol');
      await login('carol');
      await login('dave');
      const all = await cli(stack.configPath, 'sessions', 'list', '--json');
      assert.equal(all.code, 0, all.stderr);
      const rows = JSON.parse(all.stdout) as Array<Record<string, unknown>>;
      assert.ok(rows.filter((r) => r.username === 'carol').length >= 2);
      assert.ok(rows.some((r) => r.username === 'dave'));
      for (const r of rows) {
        assert.match(String(r.id), /^[A-Za-z0-9_-]{16}$/);
        assert.deepEqual(Object.keys(r).sort(), ['claims_at', 'created_at', 'email', 'expires_at', 'groups', 'id', 'last_seen_at', 'mfa', 'refreshable', 'sub', 'username']);
      }
      assert.ok(!all.stdout.includes(carol1.split('=')[1]!), 'never a cookie value');
      const carol = JSON.parse((await cli(stack.configPath, 'sessions', 'list', '--user', 'carol', '--json')).stdout) as Array<Record<string, unknown>>;
      assert.ok(carol.length >= 2 && carol.every((r) => r.username === 'carol'));
      const byEmail = JSON.parse((await cli(stack.configPath, 'sessions', 'list', '--user', 'carol@example.com', '--json')).stdout) as unknown[];
      assert.equal(byEmail.length, carol.length);
      const table = await cli(stack.configPath, 'sessions', 'list', '--user', 'dave');
      assert.match(table.stdout, /^ID\s+USER\s+GROUPS/);
      assert.match(table.stdout, /dave\s+analysts/);
    });

    test('revoke refuses unclear or unconfirmed selections and changes nothing', async () => {
      const cookie = await login('alice');
      for (const args of [[], ['--all'], ['--user', 'alice', '--all', '--yes'], ['--session', 'not-a-handle']]) {
        const r = await cli(stack.configPath, 'sessions', 'revoke', ...args);
        assert.equal(r.code, 2, `${args.join(' ')}: ${r.stdout}${r.stderr}`);
      }
      const none = await cli(stack.configPath, 'sessions', 'revoke', '--user', 'nobody-here');
      assert.equal(none.code, 1);
      await assertServed(cookie);
    });

    test('revoke --user: every session of the person ends on both workers within 250 ms, WebSockets closed, audited', async () => {
      const a = await login('bob');
      const b = await login('bob');
      const other = await login('erin');
      await assertServed(a);
      await assertServed(b);
      const tunnel = await openWs(a);
      const started = Date.now();
      const r = await cli(stack.configPath, 'sessions', 'revoke', '--user', 'bob', '--reason', 'left the company');
      const revokedAt = Date.now(); // the CLI returns once the store is written (and, PostgreSQL, the NOTIFY sent)
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^revoked 2 session\(s\) of bob/);
      await assertRefusedWithin(a, revokedAt);
      await assertRefusedWithin(b, revokedAt);
      const closedAt = await tunnel.closed;
      assert.ok(closedAt - revokedAt < BOUND_MS, `the WebSocket closed ${closedAt - revokedAt} ms after the revocation`);
      assert.ok(closedAt >= started);
      for (const x of await burst(other, 4)) assert.equal(x.status, 403, 'erin (no role) is still signed in');
      const events = await store.db.selectFrom('audit_events').select('body').where('type', '=', 'session').where('username', '=', 'bob').execute();
      const revokes = events.map((e) => JSON.parse(e.body)).filter((e) => e.detail?.action === 'revoke');
      assert.equal(revokes.length, 2);
      for (const e of revokes) {
        assert.equal(e.detail.reason, 'left the company');
        assert.equal(e.detail.selector, 'user');
        assert.match(e.detail.by, /^cli:/);
        assert.match(e.actor.session_id, /^[A-Za-z0-9_-]{16}$/);
      }
    });

    test('revoke --session ID ends that one session only; revoke --all --yes ends the rest', async () => {
      const keep = await login('carol');
      const drop = await login('carol');
      const listed = JSON.parse((await cli(stack.configPath, 'sessions', 'list', '--user', 'carol', '--json')).stdout) as Array<{ id: string; created_at: string }>;
      const newest = listed[listed.length - 1]!;
      const r = await cli(stack.configPath, 'sessions', 'revoke', '--session', newest.id);
      const revokedAt = Date.now();
      assert.equal(r.code, 0, r.stderr);
      assert.match(r.stdout, /^revoked 1 session\(s\) of carol/);
      await assertRefusedWithin(drop, revokedAt);
      await assertServed(keep);
      const all = await cli(stack.configPath, 'sessions', 'revoke', '--all', '--yes');
      const allAt = Date.now();
      assert.equal(all.code, 0, all.stderr);
      await assertRefusedWithin(keep, allAt);
      const left = JSON.parse((await cli(stack.configPath, 'sessions', 'list', '--json')).stdout) as unknown[];
      assert.deepEqual(left, []);
    });
  });
}
