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

test('Accept values are parsed once each and answer the same every time, whatever their number or length', () => {
  const browser = { accept: 'text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8' };
  const json = { accept: 'application/json, text/plain, */*' };
  for (let i = 0; i < 3; i++) {
    assert.equal(isApiRequest('GET', '/home', browser), false);
    assert.equal(isApiRequest('GET', '/home', json), true);
    assert.equal(isApiRequest('POST', '/home', {}), true);
  }
  // many distinct values (more than the memo holds) and a very long one: each parsed on its own merits
  for (let i = 0; i < 600; i++) assert.equal(isApiRequest('GET', '/home', { accept: `application/json;q=0.${(i % 9) + 1}, text/html;q=${i % 2 === 0 ? '0.05' : '1'}, x/y${i}` }), i % 2 === 0);
  const long = `${'x/y;q=0.1, '.repeat(200)}text/html`;
  assert.equal(isApiRequest('GET', '/home', { accept: long }), false);
  assert.equal(isApiRequest('GET', '/home', { accept: `${long}, application/json` }), true);
});
