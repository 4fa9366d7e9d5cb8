import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../../../src/config/index.ts';

const BASE = `public_url: https://airflow.example.com
idp: { issuer: https://idp.example.com, client_id: airlock, client_secret: "\${env:S}" }
environments:
  prod: { host: airflow.example.com, upstream: http://airflow:8080, airflow: 2 }
`;

const parse = (extra: string) => parseConfig(BASE + extra, { source: 'test.yaml', baseDir: '/tmp', env: { S: 'x' } });

test('by default: no internal listener, metrics not public', () => {
  const cfg = parse('');
  assert.equal(cfg.internal_listen, undefined);
  assert.equal(cfg.public_metrics, false);
});

test('internal_listen takes host:port like listen; public_metrics a boolean', () => {
  const cfg = parse('listen: 0.0.0.0:8080\ninternal_listen: 0.0.0.0:9090\npublic_metrics: true\n');
  assert.deepEqual(cfg.internal_listen, { host: '0.0.0.0', port: 9090 });
  assert.equal(cfg.public_metrics, true);
  assert.deepEqual(parse('internal_listen: "[::1]:9090"\n').internal_listen, { host: '::1', port: 9090 });
});

test('refused, each at its path: the same port as listen, a bad address, public_metrics not a boolean', () => {
  const problems = (extra: string) => {
    try {
      parse(extra);
    } catch (err) {
      assert.ok(err instanceof ConfigError);
      return err.problems.map((p) => `${p.path}: ${p.message}`);
    }
    assert.fail('expected a ConfigError');
  };
  assert.ok(problems('listen: 0.0.0.0:8080\ninternal_listen: 127.0.0.1:8080\n').some((p) => /^internal_listen: must use another port than listen/.test(p)));
  assert.ok(problems('internal_listen: localhost\n').some((p) => p.startsWith('internal_listen:')));
  assert.ok(problems('public_metrics: "yes"\n').some((p) => p.startsWith('public_metrics:')));
  // port 0 (any free port) twice is not a clash
  assert.equal(parse('listen: 127.0.0.1:0\ninternal_listen: 127.0.0.1:0\n').internal_listen?.port, 0);
});
