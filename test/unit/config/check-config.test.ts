import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import { VALID, tempDir } from './fixtures.ts';

const tmp = tempDir();
after(() => tmp.cleanup());
const harness = fileURLToPath(new URL('./check-config-harness.ts', import.meta.url));

function run(args: string[], env: NodeJS.ProcessEnv): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    execFile(process.execPath, ['--import', 'tsx', harness, 'check-config', ...args], { env: { PATH: process.env.PATH, ...env }, timeout: 30_000 }, (err, stdout, stderr) => {
      resolve({ code: err ? (typeof err.code === 'number' ? err.code : null) : 0, stdout, stderr });
    });
  });
}

test('check-config: invalid file -> exit 2 and every problem on its own line', async () => {
  const file = tmp.write(
    'bad.yaml',
    VALID.replace('client_id: airlock', 'clientid: airlock')
      .replace('${env:S}', '${file:missing-secret}')
      .replace('"http://airflow-prod:8080"', 'not-a-url')
      .concat('session: { idle_timeout: soon }\n'),
  );
  const r = await run(['--config', file], { S: 'cli-secret-value' });
  assert.equal(r.code, 2, r.stderr);
  const lines = r.stderr.trim().split('\n');
  assert.equal(lines[0], `${file}: 5 problems`);
  const body = lines.slice(1).join('\n');
  assert.match(body, /^idp\.client_id \(2:1\): required \(string\)$/m);
  assert.match(body, /^idp\.clientid \(4:3\): unknown key "clientid" — did you mean `client_id`\?$/m);
  assert.match(body, new RegExp(`^idp\\.client_secret \\(5:18\\): secret file not found — tried ${tmp.dir}/missing-secret$`, 'm'));
  assert.match(body, /^environments\.prod\.upstream \(9:48\): must be an absolute http:\/\/ or https:\/\/ URL$/m);
  assert.match(body, /^session\.idle_timeout \(11:26\): must be a duration/m);
  assert.equal(lines.length, 6);
  assert.equal(r.stdout, '');
});

test('check-config: valid file -> exit 0 and a summary without secrets', async () => {
  const file = tmp.write('good/airlock.yaml', `${VALID}store: \${env:DB}\n`);
  const r = await run([], { S: 'cli-secret-value', DB: 'postgres://u:dbpass@db/airlock', AIRLOCK_CONFIG: file });
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /^config OK: /);
  assert.match(r.stdout, /idp: issuer https:\/\/idp\.example\.com/);
  assert.match(r.stdout, /prod: host airflow\.example\.com -> http:\/\/airflow-prod:8080 \(Airflow 2\)/);
  assert.match(r.stdout, /dev: host airflow-dev\.example\.com -> http:\/\/airflow-dev:8080 \(Airflow 3\)/);
  assert.match(r.stdout, /store: postgres \(url from env:DB/);
  assert.match(r.stdout, /airflow-admins -> Admin/);
  assert.match(r.stdout, /^session: idle 8h, absolute 1d, up to 10000 cached per worker;/m);
  assert.ok(!r.stdout.includes('cli-secret-value') && !r.stdout.includes('dbpass'));
});

test('check-config: missing file -> exit 2 naming the path tried', async () => {
  const r = await run(['--config', `${tmp.dir}/absent.yaml`], {});
  assert.equal(r.code, 2);
  assert.match(r.stderr, new RegExp(`config file not found — tried ${tmp.dir}/absent\\.yaml`));
});
