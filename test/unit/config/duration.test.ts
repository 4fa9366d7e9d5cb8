import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { formatDuration, parseDuration } from '../../../src/config/index.ts';

test('parseDuration reads units and combinations', () => {
  assert.equal(parseDuration('250ms'), 250);
  assert.equal(parseDuration('90s'), 90_000);
  assert.equal(parseDuration('5m'), 300_000);
  assert.equal(parseDuration('8h'), 28_800_000);
  assert.equal(parseDuration('30d'), 2_592_000_000);
  assert.equal(parseDuration('1h30m'), 5_400_000);
  assert.equal(parseDuration(' 10s '), 10_000);
});

test('parseDuration refuses text that is not a duration', () => {
  for (const bad of ['', '5', '-5m', '1.5h', '5 m', '5min', 'm', '1h 30m', '99999999999999999999d', '1w']) {
    assert.equal(parseDuration(bad), undefined, bad);
  }
});

test('formatDuration gives the shortest form that parses back', () => {
  assert.equal(formatDuration(300_000), '5m');
  assert.equal(formatDuration(5_400_000), '1h30m');
  assert.equal(formatDuration(1500), '1s500ms');
  assert.equal(formatDuration(0), '0s');
  fc.assert(fc.property(fc.integer({ min: 0, max: 10 ** 12 }), (ms) => parseDuration(formatDuration(ms)) === ms));
});

test('formatDuration refuses negative and fractional input with TypeError', () => {
  assert.throws(() => formatDuration(-1), TypeError);
  assert.throws(() => formatDuration(1.5), TypeError);
});
