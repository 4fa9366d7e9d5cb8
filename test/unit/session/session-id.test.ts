import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashSessionId, isWellFormedSessionId, newSessionId, sessionHandle } from '../../../src/session/index.ts';

test('newSessionId: 43 base64url characters (256 bits), never repeating', () => {
  const ids = new Set<string>();
  for (let i = 0; i < 2000; i++) {
    const id = newSessionId();
    assert.match(id, /^[A-Za-z0-9_-]{43}$/);
    assert.equal(Buffer.from(id, 'base64url').length, 32);
    ids.add(id);
  }
  assert.equal(ids.size, 2000);
});

test('newSessionId: bits look uniformly random (about half set, every position varies)', () => {
  const n = 2000;
  let ones = 0;
  const perBit = new Array<number>(256).fill(0);
  for (let i = 0; i < n; i++) {
    const buf = Buffer.from(newSessionId(), 'base64url');
    for (let b = 0; b < 256; b++) {
      if ((buf[b >> 3]! >> (b & 7)) & 1) {
        ones++;
        perBit[b]!++;
      }
    }
  }
  const ratio = ones / (n * 256);
  assert.ok(ratio > 0.49 && ratio < 0.51, `ratio of set bits ${ratio}`);
  for (const c of perBit) assert.ok(c > n * 0.4 && c < n * 0.6, `a bit position is biased: ${c}/${n}`);
});

test('hashSessionId: SHA-256 base64url, deterministic, different from the id', () => {
  const id = newSessionId();
  const h = hashSessionId(id);
  assert.match(h, /^[A-Za-z0-9_-]{43}$/);
  assert.equal(h, hashSessionId(id));
  assert.notEqual(h, id);
  assert.notEqual(hashSessionId(newSessionId()), h);
  // known vector: sha256("abc")
  assert.equal(hashSessionId('abc'), 'ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0');
});

test('isWellFormedSessionId refuses anything but 43 base64url characters', () => {
  assert.equal(isWellFormedSessionId(newSessionId()), true);
  for (const bad of ['', 'a'.repeat(42), 'a'.repeat(44), `${'a'.repeat(42)}=`, `${'a'.repeat(42)}+`, `${'a'.repeat(42)}/`, ` ${'a'.repeat(42)}`, 'é'.repeat(43), 42, null, undefined, {}]) {
    assert.equal(isWellFormedSessionId(bad), false, `accepted ${String(bad)}`);
  }
});

test('sessionHandle is a 16-char prefix of the hash, never the raw id', () => {
  const id = newSessionId();
  const h = hashSessionId(id);
  assert.equal(sessionHandle(h), h.slice(0, 16));
  assert.ok(!id.includes(sessionHandle(h)));
});
