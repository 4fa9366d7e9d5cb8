import assert from 'node:assert/strict';
import { test } from 'node:test';
import { hashSessionId, newSessionId, tokenSealer } from '../../../src/session/index.ts';

const idHash = hashSessionId(newSessionId());

test('a sealed refresh token opens with the same key and session, and is not the token', () => {
  const s = tokenSealer('client-secret-0123456789', 'airlock:https://idp.example:airlock');
  const token = 'rt-secret-value-abcdef';
  const sealed = s.seal(idHash, token);
  assert.match(sealed, /^v1\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+\.[A-Za-z0-9_-]+$/);
  assert.ok(!sealed.includes(token));
  assert.equal(s.open(idHash, sealed), token);
  assert.notEqual(s.seal(idHash, token), sealed, 'a fresh IV every time');
});

test('it does not open under another key, for another session, or tampered with', () => {
  const s = tokenSealer('client-secret-0123456789', 'ctx');
  const sealed = s.seal(idHash, 'rt-1');
  assert.equal(tokenSealer('rotated-secret-0123456789', 'ctx').open(idHash, sealed), undefined, 'another client credential');
  assert.equal(tokenSealer('client-secret-0123456789', 'other-ctx').open(idHash, sealed), undefined, 'another issuer / client');
  assert.equal(s.open(hashSessionId(newSessionId()), sealed), undefined, 'copied to another session row');
  const [v, iv, body, tag] = sealed.split('.');
  const flipped = Buffer.from(body!, 'base64url');
  flipped[0] = flipped[0]! ^ 1;
  assert.equal(s.open(idHash, [v, iv, flipped.toString('base64url'), tag].join('.')), undefined, 'tampered ciphertext');
  for (const junk of ['', 'v1', 'v2.a.b.c', 'v1.a.b', 'not sealed at all']) assert.equal(s.open(idHash, junk), undefined, junk);
});

test('it needs a secret to derive its key from', () => {
  assert.throws(() => tokenSealer('short', 'ctx'), TypeError);
  assert.throws(() => tokenSealer('client-secret-0123456789', 'ctx').seal(idHash, ''), TypeError);
});
