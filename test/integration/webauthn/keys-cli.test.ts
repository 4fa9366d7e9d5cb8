import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { sql } from 'kysely';
import { stringify } from 'yaml';
import { webauthnSchema } from '../../../src/config/schema/webauthn.ts';
import { queryEvents } from '../../../src/audit/index.ts';
import { openStore, type Store } from '../../../src/store/index.ts';
import { compileWebauthn, finishRegistration, startRegistration, webauthnRepos } from '../../../src/webauthn/index.ts';
import { CraftedAuthenticator } from '../../unit/webauthn/crafted.ts';
import { freshSchema } from '../store/pg-schema.ts';

const BIN = fileURLToPath(new URL('../../../bin/airlock.js', import.meta.url));
const PUBLIC = 'http://localhost:8080';

function airlock(args: string[]): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000, env: { ...process.env, AIRLOCK_CONFIG: '' } }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number | null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

/** Where a suite's store lives: the `store:` line of its config, and how the test opens the same store. */
interface StoreUnderTest {
  readonly config: (dir: string) => string;
  readonly open: (dir: string) => Promise<Store>;
  /** SQL that makes every insert into audit_events fail (a store that cannot write the audit trail), and its undo. */
  readonly blockAudit: readonly string[];
  readonly unblockAudit: readonly string[];
  readonly cleanup?: () => Promise<void>;
}

const sqlite: StoreUnderTest = {
  config: () => 'sqlite:./airlock.db',
  open: (dir) => openStore({ kind: 'sqlite', path: join(dir, 'airlock.db'), pool: 1 }),
  blockAudit: ["create trigger no_audit before insert on audit_events begin select raise(abort, 'audit writes blocked by the test'); end"],
  unblockAudit: ['drop trigger no_audit'],
};

let pgSchema: Awaited<ReturnType<typeof freshSchema>> | undefined;
const postgres: StoreUnderTest = {
  config: () => pgSchema!.url.reveal(),
  open: async () => {
    pgSchema ??= await freshSchema('airlock_keys_cli');
    return openStore({ kind: 'postgres', url: pgSchema.url, pool: 1 });
  },
  blockAudit: [
    "create function no_audit() returns trigger language plpgsql as $$ begin raise exception 'audit writes blocked by the test'; end $$",
    'create trigger no_audit before insert on audit_events for each row execute function no_audit()',
  ],
  unblockAudit: ['drop trigger no_audit on audit_events', 'drop function no_audit()'],
  cleanup: async () => {
    await pgSchema?.drop();
  },
};

for (const [backend, under] of [['SQLite', sqlite], ['PostgreSQL', postgres]] as const) describe(`airlock keys list / revoke (${backend})`, () => {
  let dir: string;
  let configPath: string;
  const ids: Record<string, string> = {};

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-keys-cli-'));
    const store = await under.open(dir);
    await writeFile(join(dir, 'client-secret'), 'cli-secret-0123456789abcdef\n');
    configPath = join(dir, 'airlock.yaml');
    await writeFile(
      configPath,
      stringify({
        public_url: PUBLIC,
        idp: { issuer: 'http://localhost:9999', client_id: 'airlock', client_secret: '${file:./client-secret}', allow_insecure_http: true },
        environments: { prod: { host: 'localhost', upstream: 'http://127.0.0.1:9', airflow: 2 } },
        store: under.config(dir),
      }),
    );
    try {
      const d = { cfg: compileWebauthn(webauthnSchema.parse({}), PUBLIC), repos: webauthnRepos(store), now: Date.now, events: () => undefined };
      for (const [username, keyName] of [['alice', 'Alice desk key'], ['alice', 'Alice spare'], ['bob', 'Bob key']] as const) {
        const sub = `sub-${username}`;
        await store.users.upsertLogin({ sub, username, email: `${username}@example.com`, name: null, groups: [], at: Date.now() });
        await store.sessions.insert({ idHash: `h-${keyName.replace(/\W/g, '')}`.padEnd(43, 'x'), sub, identity: { kind: 'person', username, email: null, name: null, groups: [], roles: [], mfa: { method: 'none' } }, idpSid: null, idToken: null, createdAt: Date.now(), lastSeenAt: Date.now(), expiresAt: Date.now() + 3_600_000 });
        const key = new CraftedAuthenticator('localhost', PUBLIC);
        const options = await startRegistration(d, { sub, username }, 'binding');
        const cred = await finishRegistration(d, { sub, username }, 'binding', { response: key.register(options.challenge), name: keyName });
        ids[keyName] = cred.id;
      }
    } finally {
      await store.close();
    }
  });
  after(async () => {
    await rm(dir, { recursive: true, force: true });
    await under.cleanup?.();
  });

  test('list shows every key with its user; --user narrows to one person', async () => {
    const all = await airlock(['keys', 'list', '--config', configPath]);
    assert.equal(all.code, 0, all.stderr);
    for (const [name, id] of Object.entries(ids)) {
      const line = all.stdout.split('\n').find((l) => l.startsWith(id));
      assert.ok(line, `a line for ${name}`);
      assert.match(line, new RegExp(name));
    }
    const bob = await airlock(['keys', 'list', '--user', 'bob', '--json', '--config', configPath]);
    assert.equal(bob.code, 0, bob.stderr);
    const list = JSON.parse(bob.stdout) as Array<{ id: string; username: string; status: string }>;
    assert.deepEqual(list.map((k) => [k.id, k.username, k.status]), [[ids['Bob key'], 'bob', 'active']]);
  });

  test('revoke deletes the key (and with --end-sessions ends the owner\'s sessions); an unknown id exits 1', async () => {
    const r = await airlock(['keys', 'revoke', '--end-sessions', '--config', configPath, '--', ids['Alice spare']!]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /revoked .* of sub-alice; ended 2 session\(s\)/);
    assert.match(r.stderr, /"event":"revoked"/, 'the revocation is logged in the audit form');
    const alice = JSON.parse((await airlock(['keys', 'list', '--user', 'alice', '--json', '--config', configPath])).stdout) as Array<{ id: string }>;
    assert.deepEqual(alice.map((k) => k.id), [ids['Alice desk key']]);
    const again = await airlock(['keys', 'revoke', '--config', configPath, '--', ids['Alice spare']!]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no security key/);
    // base64url ids may start with "-": after "--" such an id is an id, not an option
    const dash = await airlock(['keys', 'revoke', '--config', configPath, '--', '-g5peNotAKey']);
    assert.equal(dash.code, 1);
    assert.match(dash.stderr, /no security key/);
  });

  test('a revocation by the CLI is in the audit hash chain (type webauthn, event revoked, by cli:<user>), and the chain still verifies', async () => {
    const before = await airlock(['audit', 'verify', '--json', '--config', configPath]);
    assert.equal(before.code, 0, before.stdout + before.stderr);
    const eventsBefore = (JSON.parse(before.stdout) as { events: number }).events;

    const r = await airlock(['keys', 'revoke', '--config', configPath, '--', ids['Bob key']!]);
    assert.equal(r.code, 0, r.stderr);
    const store = await under.open(dir);
    try {
      const revoked = (await queryEvents(store, { type: 'webauthn' })).map((x) => x.event).filter((e) => e.detail?.event === 'revoked');
      const bob = revoked.find((e) => e.detail?.credential_id === ids['Bob key']);
      assert.ok(bob, `a revoked event for Bob's key in the chain (got ${JSON.stringify(revoked)})`);
      assert.equal(bob.actor?.sub, 'sub-bob');
      assert.equal(bob.decision, 'allow');
      assert.match(String(bob.detail?.by), /^cli:/);
      assert.equal(bob.detail?.purpose, 'admin');
      assert.equal(bob.detail?.sessions_ended, 0);
      // the earlier revocation (with --end-sessions) is there too
      const alice = revoked.find((e) => e.detail?.credential_id === ids['Alice spare']);
      assert.equal(alice?.detail?.sessions_ended, 2);
    } finally {
      await store.close();
    }
    const after = await airlock(['audit', 'verify', '--json', '--config', configPath]);
    assert.equal(after.code, 0, after.stdout + after.stderr);
    const report = JSON.parse(after.stdout) as { ok: boolean; events: number; problems: unknown[] };
    assert.equal(report.ok, true);
    assert.deepEqual(report.problems, []);
    assert.equal(report.events, eventsBefore + 1, 'exactly one event appended by this revocation');
  });

  test('when the audit event cannot be written, the key stays revoked and the command exits 1 saying so', async () => {
    const run = async (statements: readonly string[]) => {
      const store = await under.open(dir);
      try {
        for (const q of statements) await sql.raw(q).execute(store.db);
      } finally {
        await store.close();
      }
    };
    await run(under.blockAudit);
    try {
      const r = await airlock(['keys', 'revoke', '--config', configPath, '--', ids['Alice desk key']!]);
      assert.equal(r.code, 1);
      assert.match(r.stderr, /revoked .*, but its audit event could not be written/);
      const left = JSON.parse((await airlock(['keys', 'list', '--json', '--config', configPath])).stdout) as Array<{ id: string }>;
      assert.ok(!left.some((k) => k.id === ids['Alice desk key']), 'the key is revoked all the same');
    } finally {
      await run(under.unblockAudit);
    }
  });
});
