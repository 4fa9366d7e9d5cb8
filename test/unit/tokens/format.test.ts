import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { generateToken, hashToken, isWellFormedToken, newTokenId, parseToken, sameHash, TOKEN_LENGTH, TOKEN_SCAN_REGEX } from '../../../src/tokens/index.ts';

describe('token format', () => {
  test('alk_<kind>_ + 256 random bits (base64url) + a CRC-32 checksum; the kind letter says who it acts as', () => {
    for (const [kind, letter] of [['service', 's'], ['person', 'p'], ['agent', 'a']] as const) {
      const { token, hash } = generateToken(kind);
      assert.equal(token.length, TOKEN_LENGTH);
      assert.ok(token.startsWith(`alk_${letter}_`));
      const secret = token.slice(6, 6 + 43);
      assert.equal(Buffer.from(secret, 'base64url').length, 32, '256 bits of randomness');
      assert.equal(parseToken(token), kind);
      assert.equal(hash, hashToken(token));
      assert.match(hash, /^[A-Za-z0-9_-]{43}$/, 'SHA-256, base64url');
      assert.ok(!hash.includes(secret));
    }
  });

  test('every token is different', () => {
    const seen = new Set(Array.from({ length: 200 }, () => generateToken('service').token));
    assert.equal(seen.size, 200);
  });

  test('a changed character, a wrong length, a wrong prefix or kind letter fails the checksum/shape check', () => {
    const { token } = generateToken('service');
    const flipped = token.slice(0, 20) + (token[20] === 'A' ? 'B' : 'A') + token.slice(21);
    assert.equal(parseToken(flipped), undefined);
    assert.equal(parseToken(token.slice(0, -1)), undefined);
    assert.equal(parseToken(`${token}x`), undefined);
    assert.equal(parseToken(token.replace('alk_', 'alx_')), undefined);
    assert.equal(parseToken(token.replace('alk_s_', 'alk_p_')), undefined, 'the kind letter is covered by the checksum');
    assert.equal(parseToken(''), undefined);
    assert.equal(isWellFormedToken(token), true);
  });

  test('the documented scanner regex finds a token in text, and not a longer look-alike', () => {
    const { token } = generateToken('agent');
    const text = `export AIRLOCK_TOKEN="${token}"\ncurl -H 'Authorization: Bearer ${token}' x`;
    const found = [...text.matchAll(TOKEN_SCAN_REGEX)].map((m) => m[0]);
    assert.deepEqual(found, [token, token]);
    assert.equal([...`${token}Z`.matchAll(TOKEN_SCAN_REGEX)].length, 0);
    assert.equal([...`Z${token}`.matchAll(TOKEN_SCAN_REGEX)].length, 0);
  });

  test('hashes compare in constant time and only as 32-byte SHA-256 values', () => {
    const a = generateToken('service');
    const b = generateToken('service');
    assert.equal(sameHash(a.hash, hashToken(a.token)), true);
    assert.equal(sameHash(a.hash, b.hash), false);
    assert.equal(sameHash(a.hash, 'short'), false);
  });

  test('token ids are public, short and unique', () => {
    const ids = new Set(Array.from({ length: 100 }, newTokenId));
    assert.equal(ids.size, 100);
    for (const id of ids) assert.match(id, /^tok_[A-Za-z0-9_-]{12}$/);
  });
});
