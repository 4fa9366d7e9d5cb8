import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { device } from '../../../src/tokens/index.ts';

const { USER_CODE_ALPHABET, generateUserCode, formatUserCode, normaliseUserCode, generateDeviceCode, hashDeviceCode, isWellFormedDeviceCode } = device;

describe('airlock login user codes', () => {
  test('the alphabet: 20 distinct consonants, no vowels and no look-alikes', () => {
    assert.equal(USER_CODE_ALPHABET.length, 20);
    assert.equal(new Set(USER_CODE_ALPHABET).size, 20);
    for (const c of 'AEIOUY01') assert.ok(!USER_CODE_ALPHABET.includes(c), c);
  });

  test('a user code is 8 letters of the alphabet, and every letter occurs (uniform draw)', () => {
    const seen = new Map<string, number>();
    const codes = new Set<string>();
    for (let i = 0; i < 2000; i++) {
      const c = generateUserCode();
      assert.match(c, /^[BCDFGHJKLMNPQRSTVWXZ]{8}$/);
      codes.add(c);
      for (const ch of c) seen.set(ch, (seen.get(ch) ?? 0) + 1);
    }
    assert.equal(codes.size, 2000, 'no repeats in 2000 draws of 20^8');
    assert.equal(seen.size, 20);
    // 16000 letters, 800 expected each: a biased draw (e.g. modulo 256) would skew far beyond ±25 %
    for (const [ch, n] of seen) assert.ok(n > 600 && n < 1000, `${ch}: ${n}`);
  });

  test('shown as BCDF-GHJK', () => {
    assert.equal(formatUserCode('BCDFGHJK'), 'BCDF-GHJK');
  });

  test('normalising: case, spaces and dashes do not matter', () => {
    for (const typed of ['BCDF-GHJK', 'bcdf-ghjk', 'bcdfghjk', ' BCDF GHJK ', 'B-C-D-F-G-H-J-K', 'bcdf\tghjk']) assert.equal(normaliseUserCode(typed), 'BCDFGHJK', typed);
  });

  test('normalising refuses what cannot be a user code', () => {
    for (const bad of ['', 'BCDF-GHJ', 'BCDF-GHJKL', 'ABCD-EFGH', 'BCDF-GHJ0', 'BCDF_GHJK', 'BCDF-GHJ%4B', 'ВCDF-GHJK', `${'-'.repeat(30)}BCDFGHJK`, 'BCDF-GHJK\u0000']) {
      assert.equal(normaliseUserCode(bad), undefined, JSON.stringify(bad));
    }
    for (const notText of [undefined, null, 42, ['BCDFGHJK'], { code: 'BCDFGHJK' }]) assert.equal(normaliseUserCode(notText), undefined);
  });

  test('device codes: 256 bits, base64url, only their SHA-256 is kept', () => {
    const a = generateDeviceCode();
    const b = generateDeviceCode();
    assert.notEqual(a.deviceCode, b.deviceCode);
    assert.equal(Buffer.from(a.deviceCode, 'base64url').length, 32);
    assert.ok(isWellFormedDeviceCode(a.deviceCode));
    assert.equal(a.hash, hashDeviceCode(a.deviceCode));
    assert.notEqual(a.hash, a.deviceCode);
    assert.equal(Buffer.from(a.hash, 'base64url').length, 32);
    for (const bad of ['', 'x', `${a.deviceCode}=`, a.deviceCode.slice(1), `${a.deviceCode.slice(1)}+`, 42]) assert.equal(isWellFormedDeviceCode(bad), false);
  });
});
