import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { checkIssuedAt, MAX_ID_TOKEN_AGE_S } from '../../../src/identity/id-token-times.ts';

const NOW = 1_800_000_000_000;
const now = NOW / 1000;
const checkOf = (iat: unknown, tolerance = 30): string | undefined => {
  try {
    checkIssuedAt({ iat }, NOW, tolerance);
    return undefined;
  } catch (e) {
    assert.equal((e as { code?: string }).code, 'AIRLOCK_IDENTITY_ID_TOKEN_INVALID');
    return (e as { details?: { check?: string } }).details?.check;
  }
};

describe('checkIssuedAt: iat of an ID token', () => {
  test('now, within the tolerance ahead, and up to the maximum age (plus tolerance) ago are accepted', () => {
    for (const iat of [now, now + 30, now - 1, now - MAX_ID_TOKEN_AGE_S - 30]) assert.equal(checkOf(iat), undefined, String(iat - now));
  });

  test('in the future beyond clock_tolerance: iat_future', () => {
    assert.equal(checkOf(now + 31), 'iat_future');
    assert.equal(checkOf(now + 1, 0), 'iat_future');
    assert.equal(checkOf(now + 86_400 * 365), 'iat_future');
  });

  test('older than the maximum age plus tolerance: iat_too_old', () => {
    assert.equal(checkOf(now - MAX_ID_TOKEN_AGE_S - 31), 'iat_too_old');
    assert.equal(checkOf(0), 'iat_too_old');
  });

  test('missing, or not a finite number: iat', () => {
    for (const iat of [undefined, null, '1800000000', Number.NaN, Number.POSITIVE_INFINITY, [now]]) assert.equal(checkOf(iat), 'iat', String(iat));
  });
});
