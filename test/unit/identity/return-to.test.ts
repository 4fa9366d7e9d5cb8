import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { isAirlockError } from '../../../src/errors/index.ts';
import { safeReturnTo } from '../../../src/identity/index.ts';

const refuses = (value: string) => {
  assert.throws(
    () => safeReturnTo(value),
    (err: unknown) => isAirlockError(err) && err.code === 'AIRLOCK_IDENTITY_RETURN_TO_INVALID' && err.status === 400,
    `refuses ${JSON.stringify(value)}`,
  );
};

describe('safeReturnTo', () => {
  test('keeps same-origin paths exactly (path, query, fragment)', () => {
    assert.equal(safeReturnTo('/home'), '/home');
    assert.equal(safeReturnTo('/api/v1/dags?limit=5'), '/api/v1/dags?limit=5');
    assert.equal(safeReturnTo('/dags/example_etl/grid?tab=graph#node'), '/dags/example_etl/grid?tab=graph#node');
    assert.equal(safeReturnTo('/dags?search=my%20dag'), '/dags?search=my%20dag');
    assert.equal(safeReturnTo('/dags?next=%2F%2Fnot-a-redirect'), '/dags?next=%2F%2Fnot-a-redirect');
  });

  test('no value means the home page', () => {
    assert.equal(safeReturnTo(undefined), '/');
    assert.equal(safeReturnTo(null), '/');
    assert.equal(safeReturnTo(''), '/');
  });

  test('gateway pages are never a destination (no login loop)', () => {
    assert.equal(safeReturnTo('/.airlock/login?rd=/x'), '/');
    assert.equal(safeReturnTo('/.airlock/logout'), '/');
    assert.equal(safeReturnTo('/.airlock'), '/');
    assert.equal(safeReturnTo('/.airlocked'), '/.airlocked');
  });

  test('except the device approval page of airlock login, and only its exact path', () => {
    assert.equal(safeReturnTo('/.airlock/device?user_code=BCDF-GHJK'), '/.airlock/device?user_code=BCDF-GHJK');
    assert.equal(safeReturnTo('/.airlock/device'), '/.airlock/device');
    assert.equal(safeReturnTo('/.airlock/device/token'), '/');
    assert.equal(safeReturnTo('/.airlock/device/code'), '/');
    assert.equal(safeReturnTo('/.airlock/devices'), '/');
    assert.equal(safeReturnTo('/.airlock/%64evice'), '/');
    assert.equal(safeReturnTo('/x/../.airlock/device/../login'), '/');
  });

  const vectors = [
    '//evil',
    '//evil.example/path',
    '/\\evil',
    '\\\\evil',
    '\\/evil',
    '/%09/evil',
    '/\t/evil',
    '/\\t/evil',
    '/\n/evil',
    '/%0a/evil',
    '/%0d%0a/evil',
    'https:evil',
    'https://evil.example',
    'http://evil.example/home',
    'HTTPS://evil.example',
    'javascript:alert(1)',
    'JaVaScRiPt:alert(1)',
    'data:text/html,<script>alert(1)</script>',
    '/%2F%2Fevil',
    '%2F%2Fevil',
    '/%2f/evil',
    '/%252F%252Fevil',
    '/%5Cevil',
    '/%255Cevil',
    '/%25252F%25252Fevil',
    '/a%20b',
    ' /home',
    '/home ',
    '/\u2028/evil',
    '/\u0000evil',
    'evil.example',
    '?x=1',
    '#frag',
    '/%E0%A4%A',
    `/${'a'.repeat(5000)}`,
  ];
  for (const v of vectors) test(`refuses ${JSON.stringify(v.length > 60 ? `${v.slice(0, 20)}... (${v.length} chars)` : v)}`, () => refuses(v));

  test('property: whatever it accepts stays on this origin and is a single-slash path', () => {
    fc.assert(
      fc.property(fc.oneof(fc.string(), fc.webUrl(), fc.string().map((s) => `/${s}`), fc.string().map((s) => `/${encodeURIComponent(s)}`)), (input) => {
        let out: string;
        try {
          out = safeReturnTo(input);
        } catch (err) {
          assert.ok(isAirlockError(err) && err.code === 'AIRLOCK_IDENTITY_RETURN_TO_INVALID');
          return;
        }
        assert.ok(out.startsWith('/') && !out.startsWith('//'), out);
        assert.doesNotMatch(out, /\\/);
        assert.equal(new URL(out, 'https://gateway.example').origin, 'https://gateway.example');
      }),
      { numRuns: 2000 },
    );
  });
});
