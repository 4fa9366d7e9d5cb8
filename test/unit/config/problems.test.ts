import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig, formatProblems, type ConfigProblem } from '../../../src/config/index.ts';
import { VALID } from './fixtures.ts';

const parse = (text: string, env: NodeJS.ProcessEnv = { S: 'x' }) => parseConfig(text, { source: 'test.yaml', baseDir: '/tmp', env });

function problems(text: string, env?: NodeJS.ProcessEnv): ConfigProblem[] {
  try {
    parse(text, env);
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    return err.problems;
  }
  assert.fail('expected a ConfigError');
}
const byPath = (list: ConfigProblem[], path: string) => {
  const p = list.find((x) => x.path === path);
  assert.ok(p, `no problem at ${path}; got:\n${formatProblems(list)}`);
  return p;
};

test('every problem is reported at once, each with its path and line', () => {
  const text = [
    'public_url: https://airflow.example.com/some/path', // 1
    'listen: nowhere', // 2
    'idp:', // 3
    '  issuer: not a url', // 4
    '  clinet_id: airlock', // 5
    '  client_secret: ${env:MISSING}', // 6
    '  scopes: [profile]', // 7
    'environments:', // 8
    '  prod:', // 9
    '    host: airflow.example.com', // 10
    '    upstream: ftp://airflow', // 11
    '    airflow: 4', // 12
    'session:', // 13
    '  idle_timeout: 5 minutes', // 14
    'trusted_proxies: [10.0.0.0/8, 300.1.1.1]', // 15
    'roles:', // 16
    '  admins: Superuser', // 17
  ].join('\n');
  const list = problems(text, {});
  const expected: [string, number][] = [
    ['public_url', 1],
    ['listen', 2],
    ['idp.issuer', 4],
    ['idp.clinet_id', 5],
    ['idp.client_id', 3],
    ['idp.client_secret', 6],
    ['idp.scopes', 7],
    ['environments.prod.upstream', 11],
    ['environments.prod.airflow', 12],
    ['session.idle_timeout', 14],
    ['trusted_proxies[1]', 15],
    ['roles.admins', 17],
  ];
  for (const [path, line] of expected) assert.equal(byPath(list, path).line, line, path);
  assert.equal(list.length, expected.length, formatProblems(list));
  // Sorted by position in the file.
  const lines = list.map((p) => p.line ?? Infinity);
  assert.deepEqual(lines, [...lines].sort((a, b) => a - b));
});

test('the ConfigError message lists every problem; formatProblems is one line each', () => {
  try {
    parse('public_url: nope\nidp: 3\nenvironments: []\n');
    assert.fail('expected a ConfigError');
  } catch (err) {
    assert.ok(err instanceof ConfigError);
    const text = formatProblems(err.problems);
    assert.equal(text.split('\n').length, err.problems.length);
    assert.match(text, /^public_url \(1:13\): must be an absolute http/m);
    assert.match(text, /^idp \(2:6\): must be a map \(got number\)/m);
    assert.match(text, /^environments \(3:15\): must be a map \(got a list\)/m);
    assert.ok(err.message.includes(text));
    assert.equal(err.publicMessage, 'The gateway configuration is invalid.');
    assert.deepEqual(err.toJSON(), { error: 'AIRLOCK_CONFIG_INVALID', message: 'The gateway configuration is invalid.' });
  }
});

test('broken YAML is a ConfigError with line and column', () => {
  const list = problems('public_url: https://a.example.com\nidp:\n  issuer: [unclosed\n');
  assert.ok(list.length >= 1);
  assert.equal(list[0]!.path, '(yaml)');
  assert.match(list[0]!.message, /YAML syntax error/);
  assert.equal(typeof list[0]!.line, 'number');
  assert.equal(typeof list[0]!.column, 'number');
});

test('duplicate keys and multiple documents are refused', () => {
  assert.match(problems(`${VALID}public_url: https://other.example.com\n`)[0]!.message, /YAML syntax error/);
  assert.match(problems(`${VALID}---\na: 1\n`)[0]!.message, /YAML syntax error/);
});

test('an empty file and a non-map root are refused', () => {
  assert.match(problems('')[0]!.message, /empty/);
  assert.match(problems('# only a comment\n')[0]!.message, /empty/);
  assert.equal(problems('- a\n- b\n')[0]!.path, '(root)');
});

test('unknown key: points at the key and suggests the closest known key', () => {
  const list = problems(VALID.replace('client_id: airlock', 'client_id: airlock\n  clientsecret: x'));
  const p = byPath(list, 'idp.clientsecret');
  assert.equal(p.message, 'unknown key "clientsecret"');
  assert.equal(p.hint, 'did you mean `client_secret`?');
  assert.deepEqual([p.line, p.column], [5, 3]);
});

test('unknown key far from every known key lists the known keys', () => {
  const list = problems(`${VALID}session:\n  zzzzzzzzzzzz: 1\n`);
  const p = byPath(list, 'session.zzzzzzzzzzzz');
  assert.equal(p.hint, 'known keys here: absolute_timeout, cache_entries, cache_ttl, claims_max_age, claims_max_stale, idle_timeout');
});

test('unknown key inside an environment (a record value) gets a hint too', () => {
  const list = problems(VALID.replace('airflow: 2 }', 'airflow: 2, upstrem: x }'));
  assert.equal(byPath(list, 'environments.prod.upstrem').hint, 'did you mean `upstream`?');
});

test('invalid URL is refused; URLs with credentials, query or http on a public host too', () => {
  const list = problems(
    VALID.replace('https://idp.example.com', 'http://idp.example.com')
      .replace('"http://airflow-prod:8080"', '"http://admin:pw@airflow-prod:8080"')
      .replace('"http://airflow-dev:8080"', '"http://airflow-dev:8080/?x=1"')
      .replace('public_url: https://airflow.example.com', 'public_url: "https://"'),
  );
  assert.match(byPath(list, 'public_url').message, /absolute http/);
  assert.match(byPath(list, 'idp.issuer').message, /must be https/);
  assert.match(byPath(list, 'environments.prod.upstream').message, /user:password/);
  assert.match(byPath(list, 'environments.dev.upstream').message, /query or fragment/);
  assert.ok(!formatProblems(list).includes('pw@'));
});

test('a "__proto__" key is an unknown key, not a prototype change', () => {
  const list = problems(`${VALID}__proto__: { polluted: true }\n`);
  assert.equal(byPath(list, '__proto__').message, 'unknown key "__proto__"');
  assert.equal(({} as Record<string, unknown>).polluted, undefined);
});

test('an alias bomb is refused instead of expanding', () => {
  const lines = ['a0: &a0 [x, x, x, x, x, x, x, x, x, x]'];
  for (let i = 1; i < 9; i++) lines.push(`a${i}: &a${i} [${Array(10).fill(`*a${i - 1}`).join(', ')}]`);
  const list = problems(`${VALID}${lines.join('\n')}\n`);
  assert.ok(list.some((p) => /too large/.test(p.message)), formatProblems(list.slice(0, 5)));
});

test('aliases within budget work', () => {
  const cfg = parse(VALID.replace('roles:\n  airflow-admins: Admin', 'roles:\n  airflow-admins: &admin Admin\n  platform: *admin'));
  assert.deepEqual(cfg.roles.platform, ['Admin']);
});

test('bad environment names, duplicate selectors and missing selectors are refused', () => {
  const list = problems(
    VALID.replace('  dev: { host: airflow-dev.example.com,', '  Dev: { host: airflow-dev.example.com,').concat(
      '  other: { host: AIRFLOW.example.com, upstream: "http://o:1", airflow: 3 }\n  nosel: { upstream: "http://o:1", airflow: 3 }\n',
    ),
  );
  assert.match(byPath(list, 'environments.Dev').message, /invalid key: environment names/);
  assert.match(byPath(list, 'environments.nosel').message, /set host or path_prefix/);
});

test('duplicate environment selectors are refused', () => {
  const list = problems(`${VALID}  other: { host: AIRFLOW.example.com, upstream: "http://o:1", airflow: 3 }\n`);
  assert.match(byPath(list, 'environments.other').message, /same requests as environment "prod"/);
});

test('cross-field rules: private_key_jwt needs private_key; ttl bounds; idle vs absolute', () => {
  const list = problems(
    VALID.replace('client_id: airlock', 'client_id: airlock\n  token_endpoint_auth_method: private_key_jwt') +
      'assertion: { ttl: 10m }\nsession: { idle_timeout: 2d, absolute_timeout: 1d }\n',
  );
  assert.match(byPath(list, 'idp.private_key').message, /required when token_endpoint_auth_method is private_key_jwt/);
  assert.match(byPath(list, 'assertion.ttl').message, /at most 5m/);
  assert.match(byPath(list, 'session.idle_timeout').message, /must not exceed absolute_timeout/);
});

test('a cookie name without __Host- on https is refused', () => {
  assert.match(byPath(problems(`${VALID}cookie: { name: airlock }\n`), 'cookie.name').message, /__Host-/);
});
