import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, parseConfig } from '../../../src/config/index.ts';
import { VALID } from '../config/fixtures.ts';

const parse = (extra: string) =>
  parseConfig(VALID.replace('client_id: airlock', `client_id: airlock${extra}`), { source: 'test.yaml', baseDir: '/srv/airlock', env: { S: 'x' } });

test('idp.distributed_groups defaults: only graph.microsoft.com, 50 pages, 4 MiB', () => {
  assert.deepEqual(parse('').idp.distributed_groups, { allowed_hosts: ['graph.microsoft.com'], max_pages: 50, max_bytes: 4 * 1024 * 1024 });
});

test('idp.distributed_groups: hosts (with ports) are kept lower-case; an empty list is allowed', () => {
  const cfg = parse('\n  distributed_groups: { allowed_hosts: [Graph.Microsoft.com, "localhost:8443", "[::1]:9000"], max_pages: 3, max_bytes: 2048 }');
  assert.deepEqual(cfg.idp.distributed_groups, { allowed_hosts: ['graph.microsoft.com', 'localhost:8443', '[::1]:9000'], max_pages: 3, max_bytes: 2048 });
  assert.deepEqual(parse('\n  distributed_groups: { allowed_hosts: [] }').idp.distributed_groups.allowed_hosts, []);
});

test('idp.distributed_groups: a URL, a wildcard or a path instead of a host, bad limits and unknown keys are config errors with their paths', () => {
  let err: unknown;
  try {
    parse('\n  distributed_groups: { allowed_hosts: ["https://graph.microsoft.com", "*.microsoft.com", "graph.microsoft.com/v1.0"], max_pages: 0, max_bytes: 10, follow_redirects: true }');
  } catch (e) {
    err = e;
  }
  assert.ok(err instanceof ConfigError);
  const paths = err.problems.map((p) => p.path).sort();
  assert.deepEqual(paths, [
    'idp.distributed_groups.allowed_hosts[0]',
    'idp.distributed_groups.allowed_hosts[1]',
    'idp.distributed_groups.allowed_hosts[2]',
    'idp.distributed_groups.follow_redirects',
    'idp.distributed_groups.max_bytes',
    'idp.distributed_groups.max_pages',
  ]);
});
