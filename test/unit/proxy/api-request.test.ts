import { test } from 'node:test';
import assert from 'node:assert/strict';
import { isApiRequest } from '../../../src/proxy/index.ts';

test('API paths, also behind an environment prefix', () => {
  assert.ok(isApiRequest('GET', '/api/v1/dags', {}));
  assert.ok(isApiRequest('GET', '/api', {}));
  assert.ok(isApiRequest('GET', '/api/v2/dags?limit=1', {}));
  assert.ok(isApiRequest('GET', '/prod/api/v1/dags', {}));
  assert.ok(!isApiRequest('GET', '/apiary', { accept: 'text/html' }));
  assert.ok(!isApiRequest('GET', '/prod/home', { accept: 'text/html,application/xhtml+xml,*/*;q=0.8' }));
  assert.ok(!isApiRequest('GET', '/a/b/api/x', {}));
});

test('Authorization, Accept preferring JSON, XHR', () => {
  assert.ok(isApiRequest('GET', '/home', { authorization: 'Bearer x' }));
  assert.ok(isApiRequest('GET', '/home', { accept: 'application/json' }));
  assert.ok(isApiRequest('GET', '/home', { accept: 'application/problem+json' }));
  assert.ok(isApiRequest('GET', '/home', { accept: 'text/html;q=0.5, application/json' }));
  assert.ok(!isApiRequest('GET', '/home', { accept: 'text/html, application/json;q=0.9' }));
  assert.ok(!isApiRequest('GET', '/home', { accept: '*/*' }));
  assert.ok(isApiRequest('GET', '/home', { 'x-requested-with': 'XMLHttpRequest' }));
});

test('non-GET without text/html in Accept is an API call; a browser form post is not', () => {
  assert.ok(isApiRequest('POST', '/dags/x/trigger', { accept: '*/*' }));
  assert.ok(!isApiRequest('POST', '/dags/x/trigger', { accept: 'text/html,*/*;q=0.8' }));
  assert.ok(!isApiRequest('GET', '/home', {}));
});
