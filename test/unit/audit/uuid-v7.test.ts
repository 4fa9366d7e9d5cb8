import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { uuidV7 } from '../../../src/audit/index.ts';

describe('uuidV7', () => {
  test('is an RFC 9562 version 7 UUID carrying the time in its first 48 bits', () => {
    const t = 1_764_633_600_000;
    const id = uuidV7(t);
    assert.match(id, /^[0-9a-f]{8}-[0-9a-f]{4}-7[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    assert.equal(parseInt(id.slice(0, 8) + id.slice(9, 13), 16), t);
  });
  test('ids of later milliseconds sort later (indexes append); ids are unique', () => {
    const ids = Array.from({ length: 20_000 }, (_, i) => uuidV7(1_764_633_600_000 + Math.floor(i / 100)));
    assert.equal(new Set(ids).size, ids.length);
    for (let i = 100; i < ids.length; i += 100) assert.ok(ids[i - 100]! < ids[i]!);
  });
  test('74 random bits: no two ids of the same millisecond agree beyond the time', () => {
    const ids = Array.from({ length: 2_000 }, () => uuidV7(1_000));
    assert.equal(new Set(ids.map((x) => x.slice(14))).size, ids.length);
  });
  test('refuses a time that is not a non-negative integer (TypeError)', () => {
    for (const bad of [-1, 1.5, Number.NaN, 2 ** 48, 2 ** 60]) assert.throws(() => uuidV7(bad), TypeError);
  });
});
