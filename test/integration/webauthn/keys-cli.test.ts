import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';
import { webauthnSchema } from '../../../src/config/schema/webauthn.ts';
import { openStore } from '../../../src/store/index.ts';
import { compileWebauthn, finishRegistration, startRegistration, webauthnRepos } from '../../../src/webauthn/index.ts';
import { CraftedAuthenticator } from '../../unit/webauthn/crafted.ts';

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

describe('airlock keys list / revoke', () => {
  let dir: string;
  let configPath: string;
  const ids: Record<string, string> = {};

  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-keys-cli-'));
    await writeFile(join(dir, 'client-secret'), 'cli-secret-0123456789abcdef\n');
    configPath = join(dir, 'airlock.yaml');
    await writeFile(
      configPath,
      stringify({
        public_url: PUBLIC,
        idp: { issuer: 'http://localhost:9999', client_id: 'airlock', client_secret: '${file:./client-secret}', allow_insecure_http: true },
        environments: { prod: { host: 'localhost', upstream: 'http://127.0.0.1:9', airflow: 2 } },
        store: 'sqlite:./airlock.db',
      }),
    );
    const store = await openStore({ kind: 'sqlite', path: join(dir, 'airlock.db'), pool: 1 });
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
  after(() => rm(dir, { recursive: true, force: true }));

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
    const r = await airlock(['keys', 'revoke', ids['Alice spare']!, '--end-sessions', '--config', configPath]);
    assert.equal(r.code, 0, r.stderr);
    assert.match(r.stdout, /revoked .* of sub-alice; ended 2 session\(s\)/);
    assert.match(r.stderr, /"event":"revoked"/, 'the revocation is logged in the audit form');
    const alice = JSON.parse((await airlock(['keys', 'list', '--user', 'alice', '--json', '--config', configPath])).stdout) as Array<{ id: string }>;
    assert.deepEqual(alice.map((k) => k.id), [ids['Alice desk key']]);
    const again = await airlock(['keys', 'revoke', ids['Alice spare']!, '--config', configPath]);
    assert.equal(again.code, 1);
    assert.match(again.stderr, /no security key/);
  });
});
