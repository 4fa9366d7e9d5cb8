import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, describe, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { stringify } from 'yaml';

const BIN = fileURLToPath(new URL('../../../bin/airlock.js', import.meta.url));
const SECRET = 'cli-test-secret-0123456789abcdef';

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
}

function airlock(args: string[]): Promise<Run> {
  return new Promise((resolve) => {
    execFile(process.execPath, [BIN, ...args], { timeout: 30_000, env: { ...process.env, AIRLOCK_CONFIG: '' } }, (err, stdout, stderr) => {
      const code = err ? ((err as { code?: unknown }).code as number | null) : 0;
      resolve({ code: typeof code === 'number' ? code : null, stdout, stderr });
    });
  });
}

const valid = (): Record<string, any> => ({
  listen: '127.0.0.1:0',
  public_url: 'http://localhost:8080',
  idp: {
    issuer: 'http://localhost:9999',
    client_id: 'airlock',
    client_secret: '${file:./client-secret}',
    allow_insecure_http: true,
  },
  roles: { 'airflow-admins': 'Admin' },
  environments: { prod: { host: 'localhost', upstream: 'http://127.0.0.1:9', airflow: 2 } },
  store: 'sqlite:./airlock.db',
});

describe('airlock check-config / serve refuse a bad config with exit code 2 and name every problem', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(join(tmpdir(), 'airlock-cli-'));
    await writeFile(join(dir, 'client-secret'), `${SECRET}\n`);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const write = async (name: string, text: string) => {
    const p = join(dir, name);
    await writeFile(p, text);
    return p;
  };

  /** Runs both commands on the file; both must exit 2 and mention every pattern on stderr, without leaking the secret. */
  const bothRefuse = async (file: string, patterns: RegExp[]) => {
    const [check, serve] = await Promise.all([airlock(['check-config', '--config', file]), airlock(['serve', '--config', file])]);
    for (const [name, run] of [['check-config', check], ['serve', serve]] as const) {
      assert.equal(run.code, 2, `${name} exit code (stderr: ${run.stderr.slice(0, 800)})`);
      for (const p of patterns) assert.match(run.stderr, p, `${name} names ${p}`);
      assert.doesNotMatch(run.stderr + run.stdout, new RegExp(SECRET), `${name} prints no secret`);
      assert.doesNotMatch(run.stderr, /\n\s+at .+:\d+:\d+/, `${name} prints no stack trace`);
    }
  };

  test('a valid config passes check-config (exit 0, summary, no secret)', async () => {
    const run = await airlock(['check-config', '--config', await write('ok.yaml', stringify(valid()))]);
    assert.equal(run.code, 0, run.stderr);
    assert.match(run.stdout, /prod/);
    assert.doesNotMatch(run.stdout, new RegExp(SECRET));
  });

  test('broken YAML', async () => {
    const text = stringify(valid()).replace('environments:', 'environments: [\n  oops');
    await bothRefuse(await write('broken.yaml', text), [/yaml/i, /\d+:\d+|line \d+/i]);
  });

  test('an unknown key (with its path)', async () => {
    const cfg = valid();
    cfg.environments.prod.upstrem = 'http://127.0.0.1:9';
    await bothRefuse(await write('unknown.yaml', stringify(cfg)), [/environments\.prod\.upstrem/]);
  });

  test('a missing secret file', async () => {
    const cfg = valid();
    cfg.idp.client_secret = '${file:./no-such-secret}';
    await bothRefuse(await write('secret.yaml', stringify(cfg)), [/no-such-secret/, /idp\.client_secret/]);
  });

  test('an invalid URL', async () => {
    const cfg = valid();
    cfg.environments.prod.upstream = 'not a url';
    await bothRefuse(await write('url.yaml', stringify(cfg)), [/environments\.prod\.upstream/]);
  });

  test('several problems at once: every one is named', async () => {
    const cfg = valid();
    cfg.environments.prod.upstrem = 'http://127.0.0.1:9';
    cfg.idp.client_secret = '${file:./no-such-secret}';
    cfg.public_url = 'not a url';
    cfg.idp.issuer = 'ftp://idp.example';
    await bothRefuse(await write('many.yaml', stringify(cfg)), [/environments\.prod\.upstrem/, /no-such-secret/, /public_url/, /idp\.issuer/]);
  });
});
