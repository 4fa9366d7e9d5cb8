import assert from 'node:assert/strict';
import { test } from 'node:test';
import { clearSessionCookie, cookieSettings, newSessionId, readSessionCookie, serializeSessionCookie } from '../../../src/session/index.ts';

const https = cookieSettings('https://airflow.example.com', { same_site: 'lax' });

test('https: __Host-airlock, Secure, HttpOnly, Path=/, no Domain, SameSite from config', () => {
  assert.deepEqual(https, { name: '__Host-airlock', secure: true, sameSite: 'Lax' });
  const id = newSessionId();
  const c = serializeSessionCookie(https, id, 3600);
  assert.equal(c, `__Host-airlock=${id}; Path=/; Max-Age=3600; HttpOnly; SameSite=Lax; Secure`);
  assert.doesNotMatch(c, /Domain=/i);
  const strict = cookieSettings('https://airflow.example.com', { name: '__Host-gw', same_site: 'strict' });
  assert.deepEqual(strict, { name: '__Host-gw', secure: true, sameSite: 'Strict' });
  assert.match(serializeSessionCookie(strict, id, 1), /SameSite=Strict; Secure$/);
});

test('https: a name without __Host- is refused (TypeError)', () => {
  assert.throws(() => cookieSettings('https://airflow.example.com', { name: 'airlock', same_site: 'lax' }), TypeError);
  assert.throws(() => cookieSettings('https://airflow.example.com', { name: '__Host-', same_site: 'lax' }), TypeError);
  assert.throws(() => cookieSettings('https://airflow.example.com', { name: '__Secure-airlock', same_site: 'lax' }), TypeError);
  assert.throws(() => cookieSettings('https://airflow.example.com', { name: '__Host-a;b', same_site: 'lax' }), TypeError);
});

test('localhost exception: http://localhost and http://127.0.0.1 get "airlock" without Secure', () => {
  for (const url of ['http://localhost:8080', 'http://127.0.0.1:3000', 'http://localhost']) {
    const s = cookieSettings(url, { same_site: 'lax' });
    assert.deepEqual(s, { name: 'airlock', secure: false, sameSite: 'Lax' });
    const c = serializeSessionCookie(s, newSessionId(), 60);
    assert.doesNotMatch(c, /Secure/);
    assert.match(c, /^airlock=[A-Za-z0-9_-]{43}; Path=\/; Max-Age=60; HttpOnly; SameSite=Lax$/);
  }
  assert.throws(() => cookieSettings('http://localhost:8080', { name: '__Host-airlock', same_site: 'lax' }), TypeError);
});

test('plain http anywhere else is refused (TypeError), as are non-URLs', () => {
  for (const url of ['http://airflow.example.com', 'http://localhost.evil.com', 'http://127.0.0.2', 'http://10.0.0.1', 'ftp://localhost', 'not a url']) {
    assert.throws(() => cookieSettings(url, { same_site: 'lax' }), TypeError, url);
  }
});

test('clearSessionCookie expires the same cookie with the same attributes', () => {
  assert.equal(clearSessionCookie(https), '__Host-airlock=; Path=/; Max-Age=0; HttpOnly; SameSite=Lax; Secure; Expires=Thu, 01 Jan 1970 00:00:00 GMT');
});

test('serializeSessionCookie refuses a malformed id or max-age', () => {
  assert.throws(() => serializeSessionCookie(https, 'short', 60), TypeError);
  assert.throws(() => serializeSessionCookie(https, `${newSessionId().slice(1)};`, 60), TypeError);
  assert.throws(() => serializeSessionCookie(https, newSessionId(), 0), TypeError);
  assert.throws(() => serializeSessionCookie(https, newSessionId(), 1.5), TypeError);
});

test('readSessionCookie finds the id among other cookies', () => {
  const id = newSessionId();
  assert.equal(readSessionCookie(https, `a=1; __Host-airlock=${id}; b=2`), id);
  assert.equal(readSessionCookie(https, `__Host-airlock=${id}`), id);
  assert.equal(readSessionCookie(https, undefined), undefined);
  assert.equal(readSessionCookie(https, ''), undefined);
  assert.equal(readSessionCookie(https, 'a=1'), undefined);
});

test('readSessionCookie: cookie tossing (the name twice) yields nothing, whichever comes first', () => {
  const mine = newSessionId();
  const tossed = newSessionId();
  assert.equal(readSessionCookie(https, `__Host-airlock=${tossed}; __Host-airlock=${mine}`), undefined);
  assert.equal(readSessionCookie(https, `__Host-airlock=${mine}; x=1; __Host-airlock=${tossed}`), undefined);
  assert.equal(readSessionCookie(https, `__Host-airlock=${mine};__Host-airlock=garbage`), undefined);
  assert.equal(readSessionCookie(https, `__Host-airlock=${mine}; __Host-airlock`), undefined);
  assert.equal(readSessionCookie(https, `__Host-airlock=${mine}; __Host-airlock=${mine}`), undefined);
});

test('readSessionCookie: malformed values are ignored', () => {
  const id = newSessionId();
  for (const bad of [
    'short',
    `${id}x`,
    id.slice(1),
    `"${id}"`,
    `${id.slice(0, 42)}=`,
    `${id.slice(0, 42)}+`,
    `${id.slice(0, 42)}%`,
    '',
    `${id}=`,
  ]) {
    assert.equal(readSessionCookie(https, `__Host-airlock=${bad}`), undefined, bad);
  }
});

test('readSessionCookie: only the exact name counts (no prefix, case or lookalike matches)', () => {
  const id = newSessionId();
  assert.equal(readSessionCookie(https, `__host-airlock=${id}`), undefined);
  assert.equal(readSessionCookie(https, `__Host-airlockx=${id}`), undefined);
  assert.equal(readSessionCookie(https, `airlock=${id}`), undefined);
  assert.equal(readSessionCookie(https, `x__Host-airlock=${id}`), undefined);
  const local = cookieSettings('http://localhost:8080', { same_site: 'lax' });
  assert.equal(readSessionCookie(local, `__Host-airlock=${id}`), undefined);
  assert.equal(readSessionCookie(local, `airlock=${id}`), id);
});
