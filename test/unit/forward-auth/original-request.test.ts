import assert from 'node:assert/strict';
import { test } from 'node:test';
import { compileTrustedProxies, isAuthzTarget, isTrustedPeer, readOriginalRequest } from '../../../src/proxy/index.ts';
import { code } from '../../support/error-code.ts';

const read = (url: string, headers: Record<string, string | string[]>, method = 'GET') => {
  const raw: string[] = [];
  for (const [k, v] of Object.entries(headers)) for (const x of Array.isArray(v) ? v : [v]) raw.push(k, x);
  return readOriginalRequest(method, url, raw);
};

test('nginx auth_request: X-Original-Method + X-Original-URI, the Host header is the original host', () => {
  assert.deepEqual(read('/.airlock/authz', { Host: 'airflow.example.com:8443', 'X-Original-Method': 'POST', 'X-Original-URI': '/api/v1/dags/etl/dagRuns?x=1' }), {
    ingress: 'nginx', method: 'POST', target: '/api/v1/dags/etl/dagRuns?x=1', host: 'airflow.example.com:8443',
  });
  // header names in any case
  assert.equal(read('/.airlock/authz', { host: 'a', 'x-original-method': 'GET', 'X-ORIGINAL-URI': '/' }).ingress, 'nginx');
});

test('Traefik ForwardAuth: X-Forwarded-Method, -Uri and -Host (the Host header is Traefik\'s own)', () => {
  assert.deepEqual(read('/.airlock/authz', { Host: 'airlock:8080', 'X-Forwarded-Method': 'DELETE', 'X-Forwarded-Uri': '/api/v1/dags/etl', 'X-Forwarded-Host': 'airflow.example.com', 'X-Forwarded-Proto': 'https' }), {
    ingress: 'traefik', method: 'DELETE', target: '/api/v1/dags/etl', host: 'airflow.example.com',
  });
});

test('Envoy ext_authz (path_prefix /.airlock/authz): the original method, path after the prefix, and Host', () => {
  assert.deepEqual(read('/.airlock/authz/api/v1/dags?limit=5', { Host: 'airflow.example.com' }, 'PATCH'), { ingress: 'envoy', method: 'PATCH', target: '/api/v1/dags?limit=5', host: 'airflow.example.com' });
  assert.deepEqual(read('/.airlock/authz/', { Host: 'a' }), { ingress: 'envoy', method: 'GET', target: '/', host: 'a' });
});

test('no description of the original request: AIRLOCK_AUTHZ_NO_ORIGINAL_REQUEST', () => {
  assert.equal(code(() => read('/.airlock/authz', { Host: 'a' })), 'AIRLOCK_AUTHZ_NO_ORIGINAL_REQUEST');
  // X-Forwarded-Host alone (any proxy sends it) describes nothing
  assert.equal(code(() => read('/.airlock/authz', { Host: 'a', 'X-Forwarded-Host': 'b' })), 'AIRLOCK_AUTHZ_NO_ORIGINAL_REQUEST');
  assert.equal(code(() => read('/.airlock/authzx', { Host: 'a', 'X-Original-Method': 'GET', 'X-Original-URI': '/' })), 'AIRLOCK_AUTHZ_NO_ORIGINAL_REQUEST');
});

test('ambiguous descriptions are refused: repeated, mixed styles, incomplete, a query, the Envoy form with headers', () => {
  const cases: Array<[string, Record<string, string | string[]>, string?]> = [
    ['/.airlock/authz', { Host: 'a', 'X-Original-Method': 'GET', 'X-Original-URI': ['/a', '/b'] }],
    ['/.airlock/authz', { Host: 'a', 'X-Original-Method': ['GET', 'POST'], 'X-Original-URI': '/a' }],
    ['/.airlock/authz', { Host: 'a', 'X-Original-Method': 'GET', 'x-original-uri': '/a', 'X-Original-URI': '/b' }],
    ['/.airlock/authz', { Host: 'a', 'X-Original-Method': 'GET', 'X-Original-URI': '/a', 'X-Forwarded-Uri': '/b' }],
    ['/.airlock/authz', { Host: 'a', 'X-Original-Method': 'GET', 'X-Original-URI': '/a', 'X-Forwarded-Method': 'POST' }],
    ['/.airlock/authz', { Host: 'a', 'X-Original-URI': '/a' }],
    ['/.airlock/authz', { Host: 'a', 'X-Original-Method': 'GET' }],
    ['/.airlock/authz', { Host: 'a', 'X-Forwarded-Method': 'GET', 'X-Forwarded-Uri': '/a' }],
    ['/.airlock/authz', { Host: 'a', 'X-Forwarded-Method': 'GET', 'X-Forwarded-Uri': '/a', 'X-Forwarded-Host': ['b', 'c'] }],
    ['/.airlock/authz', { Host: 'a', 'X-Forwarded-Uri': '/a', 'X-Forwarded-Host': 'b' }],
    ['/.airlock/authz?uri=/api/v1/dags', { Host: 'a', 'X-Original-Method': 'GET', 'X-Original-URI': '/a' }],
    ['/.airlock/authz?x', { Host: 'a' }],
    ['/.airlock/authz/api/v1/dags', { Host: 'a', 'X-Original-URI': '/api/v1/health' }],
    ['/.airlock/authz/api/v1/dags', { Host: 'a', 'X-Forwarded-Uri': '/api/v1/health' }],
    ['/.airlock/authz/api/v1/dags', { Host: 'a', 'X-Forwarded-Method': 'GET' }, 'POST'],
  ];
  for (const [url, headers, method] of cases) assert.equal(code(() => read(url, headers, method)), 'AIRLOCK_AUTHZ_AMBIGUOUS_ORIGINAL', `${url} ${JSON.stringify(headers)}`);
});

test('isAuthzTarget: the exact path, its Envoy form and a query only; nothing normalized', () => {
  for (const u of ['/.airlock/authz', '/.airlock/authz/', '/.airlock/authz/api/v1/dags', '/.airlock/authz?x']) assert.equal(isAuthzTarget(u), true, u);
  for (const u of ['/.airlock/authzx', '/.airlock/Authz', '/.airlock//authz', '/.airlock/./authz', '/.airlock/x/../authz', '/.airlock/authz%2F', '/authz']) assert.equal(isAuthzTarget(u), false, u);
});

test('isTrustedPeer: only peers inside trusted_proxies (IPv4, IPv6, IPv4-mapped)', () => {
  const t = compileTrustedProxies(['10.0.0.0/8', '127.0.0.1', 'fd00::/8']);
  for (const ip of ['10.1.2.3', '127.0.0.1', '::ffff:127.0.0.1', '::ffff:10.9.9.9', 'fd00::1']) assert.equal(isTrustedPeer(t, ip), true, ip);
  for (const ip of ['127.0.0.2', '192.168.1.1', '::1', 'fe80::1', '11.0.0.1', '', undefined]) assert.equal(isTrustedPeer(t, ip), false, String(ip));
  assert.equal(isTrustedPeer(compileTrustedProxies([]), '127.0.0.1'), false, 'nobody by default');
});
