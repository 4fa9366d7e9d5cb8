import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { sanitizeRequestHeaders, type SanitizeOptions } from '../../../src/proxy/index.ts';
import { code } from '../../support/error-code.ts';

const client = { ip: '203.0.113.4', proto: 'https' as const, host: 'airflow.example.com', port: 443 };
const opts: SanitizeOptions = { client, sessionCookieName: '__Host-airlock', stripAuthorization: false };

test('keeps end-to-end headers, lower-cases names, joins repeats into arrays in order', () => {
  const out = sanitizeRequestHeaders(['Host', 'airflow.example.com', 'Accept', 'text/html', 'X-Custom', 'a', 'x-custom', 'b', 'Content-Length', '3'], opts);
  assert.equal(out['host'], 'airflow.example.com');
  assert.equal(out['accept'], 'text/html');
  assert.deepEqual(out['x-custom'], ['a', 'b']);
  assert.equal(out['content-length'], '3');
  assert.equal(out['x-forwarded-for'], '203.0.113.4');
  assert.equal(out['x-forwarded-proto'], 'https');
  assert.equal(out['x-forwarded-host'], 'airflow.example.com');
  assert.equal(out['x-forwarded-port'], '443');
});

test('header names that Object.prototype also has are ordinary headers (own values, repeats joined)', () => {
  const out = sanitizeRequestHeaders(['Constructor', 'a', 'toString', 'b', 'tostring', 'c', 'valueOf', 'd'], opts);
  assert.equal(Object.hasOwn(out, 'constructor'), true);
  assert.equal(out['constructor'], 'a');
  assert.deepEqual(out['tostring'], ['b', 'c']);
  assert.equal(out['valueof'], 'd');
  assert.deepEqual(Object.keys(out).filter((k) => !k.startsWith('x-forwarded-')), ['constructor', 'tostring', 'valueof']);
});

test('opts.gatewayHeaders and opts.add names are stripped from the client, added values are encoded', () => {
  const list = ['X-Request-Id'];
  const out = sanitizeRequestHeaders(['X-Request-ID', 'spoof', 'Remote-User', 'mallory', 'x-webauth-user', 'mallory'], {
    ...opts,
    gatewayHeaders: list,
    add: { 'Remote-User': 'alice', 'X-Airlock-Email': 'ä@example.com' },
  });
  assert.equal(out['x-request-id'], undefined);
  assert.equal(out['remote-user'], 'alice');
  assert.equal(out['x-webauth-user'], undefined, 'another proxy\'s identity header (stripped-headers.ts)');
  assert.equal(out['x-airlock-email'], '%C3%A4@example.com');
  assert.throws(() => sanitizeRequestHeaders([], { ...opts, add: { 'Bad Name': 'x' } }), TypeError);
  assert.throws(() => sanitizeRequestHeaders([], { ...opts, add: { X_Airlock_User: 'x' } }), TypeError);
  assert.throws(() => sanitizeRequestHeaders([], { ...opts, sessionCookieName: 'a;b' }), TypeError);
});

test('Connection naming a protected header is refused; other names are dropped', () => {
  for (const v of ['close, X-Airlock-Assertion', 'x_airlock_user', 'HOST', 'cookie', 'Authorization', 'X-Forwarded-Proto', 'X_FORWARDED_HOST', 'forwarded', 'x-real-ip', 'X-Original-URL', 'x-rewrite-url', 'content-length', 'keep-alive, X-Airlock-Roles']) {
    assert.equal(code(() => sanitizeRequestHeaders(['Connection', v], opts)), 'AIRLOCK_PROXY_BAD_HEADER', v);
  }
  assert.equal(code(() => sanitizeRequestHeaders(['Connection', 'close', 'Connection', 'X-Airlock-User'], opts)), 'AIRLOCK_PROXY_BAD_HEADER');
  assert.equal(code(() => sanitizeRequestHeaders(['Connection', 'Remote-User'], { ...opts, add: { 'Remote-User': 'a' } })), 'AIRLOCK_PROXY_BAD_HEADER');
  assert.equal(code(() => sanitizeRequestHeaders(['Connection', 'close, a/b'], opts)), 'AIRLOCK_PROXY_BAD_HEADER');
  const out = sanitizeRequestHeaders(['Connection', 'close, X-Foo,, ', 'X-Foo', '1', 'X-Bar', '2'], opts);
  assert.equal(out['x-foo'], undefined);
  assert.equal(out['x-bar'], '2');
  assert.equal(out['connection'], undefined);
});

test('cookies: the gateway cookies go, the rest stays byte-identical', () => {
  const o = { ...opts, gatewayCookieNames: ['airlock-stepup'] };
  assert.equal(sanitizeRequestHeaders(['Cookie', '__Host-airlock=s; session=abc'], o)['cookie'], 'session=abc');
  assert.equal(sanitizeRequestHeaders(['Cookie', 'a=1;__Host-airlock=s;  b=2 ; airlock-stepup=x'], o)['cookie'], 'a=1;  b=2 ');
  assert.equal(sanitizeRequestHeaders(['Cookie', ' __Host-airlock = s'], o)['cookie'], undefined);
  assert.equal(sanitizeRequestHeaders(['Cookie', '__host-airlock=s'], o)['cookie'], '__host-airlock=s', 'cookie names are case-sensitive');
  assert.deepEqual(sanitizeRequestHeaders(['Cookie', 'a=1', 'Cookie', '__Host-airlock=s', 'Cookie', 'b=2'], o)['cookie'], ['a=1', 'b=2']);
});

test('Authorization is removed only when the gateway consumed it', () => {
  assert.equal(sanitizeRequestHeaders(['Authorization', 'Bearer t'], opts)['authorization'], 'Bearer t');
  assert.equal(sanitizeRequestHeaders(['Authorization', 'Bearer t'], { ...opts, stripAuthorization: true })['authorization'], undefined);
});

test('a header named like an Object.prototype key is just a header', () => {
  const out = sanitizeRequestHeaders(['constructor', 'x', 'toString', 'y'], opts);
  assert.equal(out['constructor'], 'x');
  assert.equal(out['tostring'], 'y');
});

// Property: whatever case and "_"/"-" mix a client uses, no gateway-owned header passes.
const OWNED = ['x-airlock-user', 'x-airlock-assertion', 'x-airlock-email', 'x-airlock-roles', 'x-airlock-x', 'x-forwarded-for', 'x-forwarded-proto', 'x-forwarded-host', 'x-forwarded-port', 'x-forwarded-anything', 'forwarded', 'x-real-ip', 'x-original-url', 'x-rewrite-url'];
test('property: spoofed gateway headers never pass, in any case or "_" spelling', () => {
  const spelled = fc
    .tuple(fc.constantFrom(...OWNED), fc.array(fc.boolean(), { minLength: 32, maxLength: 32 }), fc.array(fc.boolean(), { minLength: 32, maxLength: 32 }))
    .map(([name, upper, underscore]) =>
      [...name].map((ch, i) => (ch === '-' && underscore[i] ? '_' : upper[i] ? ch.toUpperCase() : ch)).join(''),
    );
  fc.assert(
    fc.property(fc.array(spelled, { minLength: 1, maxLength: 8 }), (names) => {
      const raw = names.flatMap((n, i) => [n, `spoof-${i}`]);
      const out = sanitizeRequestHeaders(raw, { ...opts, add: { 'X-Airlock-User': 'alice' } });
      for (const [k, v] of Object.entries(out)) {
        for (const one of Array.isArray(v) ? v : [v]) assert.doesNotMatch(one, /spoof-/, k);
      }
      assert.equal(out['x-airlock-user'], 'alice');
    }),
    { numRuns: 300 },
  );
});
