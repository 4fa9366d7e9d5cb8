import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { inspect } from 'node:util';
import { ConfigError, Secret, parseConfig, formatProblems } from '../../../src/config/index.ts';
import { VALID, tempDir } from './fixtures.ts';

const tmp = tempDir();
after(() => tmp.cleanup());
const parse = (text: string, env: NodeJS.ProcessEnv = { S: 'env-secret-value' }) => parseConfig(text, { source: 'test.yaml', baseDir: tmp.dir, env });

function problemsOf(fn: () => unknown) {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof ConfigError, `expected ConfigError, got ${String(err)}`);
    assert.equal(err.code, 'AIRLOCK_CONFIG_INVALID');
    assert.equal(err.status, 500);
    return err;
  }
  assert.fail('expected a ConfigError');
}

test('${env:NAME} in a secret field becomes a Secret', () => {
  const cfg = parse(VALID);
  assert.ok(cfg.idp.client_secret instanceof Secret);
  assert.equal(cfg.idp.client_secret.reveal(), 'env-secret-value');
  assert.equal(cfg.idp.client_secret.source, 'env:S');
});

test('${file:relative} resolves against the config folder and trims one trailing newline', () => {
  tmp.write('secrets/client', 'file-secret-value\n');
  const cfg = parse(VALID.replace('${env:S}', '${file:secrets/client}'), {});
  assert.equal(cfg.idp.client_secret?.reveal(), 'file-secret-value');
  assert.equal(cfg.idp.client_secret?.source, `file:${tmp.dir}/secrets/client`);
});

test('a reference in a plain text field is unwrapped to a string', () => {
  const cfg = parse(VALID.replace('client_id: airlock', 'client_id: ${env:CID}'), { S: 'x', CID: 'from-env' });
  assert.equal(cfg.idp.client_id, 'from-env');
});

test('missing environment variable is a problem at its path', () => {
  const err = problemsOf(() => parse(VALID, {}));
  assert.equal(err.problems.length, 1);
  assert.equal(err.problems[0]!.path, 'idp.client_secret');
  assert.match(err.problems[0]!.message, /environment variable S is not set/);
  assert.equal(err.problems[0]!.line, 5);
});

test('empty environment variable is refused', () => {
  const err = problemsOf(() => parse(VALID, { S: '' }));
  assert.match(err.problems[0]!.message, /S is empty/);
});

test('missing secret file: problem with the path it tried', () => {
  const err = problemsOf(() => parse(VALID.replace('${env:S}', '${file:nope/secret.txt}'), {}));
  assert.equal(err.problems.length, 1);
  const p = err.problems[0]!;
  assert.equal(p.path, 'idp.client_secret');
  assert.match(p.message, /secret file not found/);
  assert.equal(p.hint, `tried ${tmp.dir}/nope/secret.txt`);
  assert.deepEqual([p.line, p.column], [5, 18]);
});

test('a folder as secret file is refused', () => {
  const err = problemsOf(() => parse(VALID.replace('${env:S}', `\${file:${tmp.dir}}`), {}));
  assert.match(err.problems[0]!.message, /not a regular file/);
});

test('inline literal in a secret field is refused without echoing it', () => {
  const err = problemsOf(() => parse(VALID.replace('${env:S}', 'inline-hunter2-literal')));
  assert.equal(err.problems[0]!.path, 'idp.client_secret');
  assert.match(err.problems[0]!.message, /must be a secret reference/);
  assert.ok(!formatProblems(err.problems).includes('hunter2'));
  assert.ok(!err.message.includes('hunter2'));
});

test('partial interpolation is refused with a clear message', () => {
  const err = problemsOf(() => parse(VALID.replace('client_id: airlock', 'client_id: "abc${env:S}"')));
  assert.equal(err.problems.length, 1);
  assert.equal(err.problems[0]!.path, 'idp.client_id');
  assert.match(err.problems[0]!.message, /must be the whole value; partial interpolation/);
});

test('unknown reference scheme and bad env names are refused', () => {
  const err = problemsOf(() => parse(VALID.replace('client_id: airlock', 'client_id: ${vault:kv/x}').replace('${env:S}', '${env:1BAD}')));
  assert.deepEqual(err.problems.map((p) => p.path).sort(), ['idp.client_id', 'idp.client_secret']);
  assert.ok(err.problems.some((p) => /unknown reference type "vault"/.test(p.message)));
  assert.ok(err.problems.some((p) => /invalid environment variable name/.test(p.message)));
});

test('a reference in a number field is refused with a hint (and without its value)', () => {
  const err = problemsOf(() => parse(VALID.replace('airflow: 2 }', 'airflow: 2, connections: "${env:S}" }')));
  assert.equal(err.problems[0]!.path, 'environments.prod.connections');
  assert.match(err.problems[0]!.message, /reference gives text/);
  assert.ok(!formatProblems(err.problems).includes('env-secret-value'));
});

test('a secret value never appears in error text, JSON or inspect output', () => {
  const value = 'sup3r-s3cret-VALUE';
  // The secret is used in several wrong places, next to other problems.
  const text = VALID.replace('client_id: airlock', 'client_id: airlock\n  private_key: ${env:S}\n  timeout: "${env:S}"')
    .replace('upstream: "http://airflow-prod:8080"', 'upstream: "${env:S}"')
    .replace('public_url: https://airflow.example.com', 'public_url: "${env:S}"');
  const err = problemsOf(() => parse(text, { S: value }));
  assert.ok(err.problems.length >= 3, formatProblems(err.problems));
  for (const out of [err.message, err.stack ?? '', formatProblems(err.problems), JSON.stringify(err), JSON.stringify(err.problems), inspect(err, { depth: 10 })]) {
    assert.ok(!out.includes(value), `secret leaked into: ${out}`);
  }
  const cfg = parse(VALID, { S: value });
  for (const out of [JSON.stringify(cfg), inspect(cfg, { depth: 10 }), String(cfg.idp.client_secret), `${cfg.idp.client_secret}`]) {
    assert.ok(!out.includes(value), `secret leaked into: ${out}`);
  }
});

test('an inline secret in the YAML never appears in a YAML syntax error', () => {
  const err = problemsOf(() => parse(`${VALID}\nbroken: { a: "inline-token-XYZ" ]\n`));
  assert.ok(err.problems.length >= 1);
  assert.ok(!formatProblems(err.problems).includes('inline-token-XYZ'), formatProblems(err.problems));
});

test('postgres URL with an inline password is refused; from a reference it is a Secret', () => {
  const err = problemsOf(() => parse(`${VALID}store: postgres://airlock:pw123@db/airlock\n`));
  assert.equal(err.problems[0]!.path, 'store');
  assert.match(err.problems[0]!.message, /with a password must come from/);
  assert.ok(!formatProblems(err.problems).includes('pw123'));
  const cfg = parse(`${VALID}store: \${env:DB}\n`, { S: 'x', DB: 'postgres://airlock:pw123@db/airlock' });
  assert.equal(cfg.store.kind, 'postgres');
  assert.ok(cfg.store.kind === 'postgres' && cfg.store.url instanceof Secret && cfg.store.url.source === 'env:DB');
  assert.ok(!JSON.stringify(cfg).includes('pw123'));
});

test('an oversized secret file is refused without reading it into the config', () => {
  tmp.write('big-secret', 'x'.repeat(70 * 1024));
  const err = problemsOf(() => parse(VALID.replace('${env:S}', '${file:big-secret}'), {}));
  assert.match(err.problems[0]!.message, /larger than 65536 bytes/);
  assert.equal(err.problems[0]!.hint, `tried ${tmp.dir}/big-secret`);
});
