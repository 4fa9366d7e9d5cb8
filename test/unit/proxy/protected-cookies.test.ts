import { test } from 'node:test';
import assert from 'node:assert/strict';
import { filterResponseHeaders } from '../../../src/proxy/response-headers.ts';
import { setCookieName, withoutProtectedCookies } from '../../../src/proxy/protected-cookies.ts';

const PROTECT = new Set(['__host-airlock', '__host-airlock-login']);

test('setCookieName: the name before "=" or ";", trimmed, lower-cased', () => {
  const cases: Array<[string, string]> = [
    ['__Host-airlock=abc; Path=/; Secure', '__host-airlock'],
    ['  __HOST-Airlock =x', '__host-airlock'],
    ['flag; Path=/', 'flag'],
    ['bare', 'bare'],
    ['=value-only', ''],
  ];
  for (const [value, name] of cases) assert.equal(setCookieName(value), name, value);
});

test('withoutProtectedCookies keeps the others in order and names what it dropped', () => {
  const dropped: string[] = [];
  const kept = withoutProtectedCookies(['session=1; Path=/', '__Host-airlock=stolen; Path=/; Secure', 'csrf=2', '__HOST-AIRLOCK-LOGIN=x'], PROTECT, dropped);
  assert.deepEqual(kept, ['session=1; Path=/', 'csrf=2']);
  assert.deepEqual(dropped, ['__host-airlock', '__host-airlock-login']);
  assert.equal(withoutProtectedCookies('__Host-airlock=; Max-Age=0', PROTECT, []), undefined, 'a forced logout is dropped too');
  // a cookie whose name only starts like the gateway's is the upstream's own
  assert.deepEqual(withoutProtectedCookies('__Host-airlock2=x', PROTECT, []), ['__Host-airlock2=x']);
});

test('filterResponseHeaders drops only the protected Set-Cookie values (and the header when none is left)', () => {
  const dropped: string[] = [];
  const out = filterResponseHeaders({ 'set-cookie': ['session=1', '__Host-airlock=evil'], 'content-type': 'text/html' }, PROTECT, dropped);
  assert.deepEqual(out, { 'set-cookie': ['session=1'], 'content-type': 'text/html' });
  assert.deepEqual(dropped, ['__host-airlock']);
  assert.deepEqual(filterResponseHeaders({ 'set-cookie': ['__Host-airlock=evil'], etag: '"1"' }, PROTECT), { etag: '"1"' });
  assert.deepEqual(filterResponseHeaders({ 'set-cookie': ['__Host-airlock=evil'] }), { 'set-cookie': ['__Host-airlock=evil'] }, 'no protected names given: relayed as sent');
});
