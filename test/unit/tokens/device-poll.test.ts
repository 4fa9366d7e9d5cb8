import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import type { DeviceGrantRow } from '../../../src/store/index.ts';
import { device } from '../../../src/tokens/index.ts';

const T0 = 1_750_000_000_000;
const grant = (over: Partial<DeviceGrantRow> = {}): DeviceGrantRow => ({
  deviceCodeHash: 'h',
  userCode: 'BCDFGHJK',
  clientId: 'airlock-cli',
  envs: ['prod'],
  actions: ['read'],
  tokenTtl: 8 * 3_600_000,
  clientIp: '127.0.0.1',
  status: 'pending',
  intervalMs: 5000,
  lastPolledAt: null,
  decidedBy: null,
  decidedAt: null,
  tokenId: null,
  createdAt: T0,
  expiresAt: T0 + 600_000,
  ...over,
});
const errorOf = (o: device.PollOutcome) => (o.kind === 'error' ? o.error : o.kind);

describe('airlock login: what a poll answers (RFC 8628 §3.5)', () => {
  test('unknown device code: invalid_grant, nothing recorded', () => {
    const o = device.pollOutcome(undefined, T0);
    assert.equal(errorOf(o), 'invalid_grant');
    assert.equal(o.kind === 'error' && o.record, false);
  });

  test('pending: authorization_pending, and the poll is recorded without slowing down', () => {
    const o = device.pollOutcome(grant(), T0 + 5000);
    assert.deepEqual([errorOf(o), o.kind === 'error' && o.record, o.kind === 'error' && o.slowDown], ['authorization_pending', true, 0]);
  });

  test('a poll sooner than the interval: slow_down, and the interval grows by 5 s', () => {
    const g = grant({ lastPolledAt: T0 + 10_000, intervalMs: 5000 });
    const o = device.pollOutcome(g, T0 + 14_999);
    assert.deepEqual([errorOf(o), o.kind === 'error' && o.slowDown], ['slow_down', device.SLOW_DOWN_STEP_MS]);
    assert.equal(device.SLOW_DOWN_STEP_MS, 5000);
    // exactly one interval later is fine
    assert.equal(errorOf(device.pollOutcome(g, T0 + 15_000)), 'authorization_pending');
    // after a slow_down the longer interval applies
    assert.equal(errorOf(device.pollOutcome(grant({ lastPolledAt: T0 + 10_000, intervalMs: 10_000 }), T0 + 19_000)), 'slow_down');
  });

  test('approved: issue (even when polled fast: the approval is what was waited for)', () => {
    assert.equal(errorOf(device.pollOutcome(grant({ status: 'approved', decidedBy: 'sub-1', lastPolledAt: T0 + 1000 }), T0 + 1001)), 'issue');
  });

  test('denied: access_denied', () => {
    assert.equal(errorOf(device.pollOutcome(grant({ status: 'denied', decidedBy: 'sub-1' }), T0 + 1000)), 'access_denied');
  });

  test('expired: expired_token, whatever the state (pending, approved, denied)', () => {
    for (const status of ['pending', 'approved', 'denied'] as const) {
      assert.equal(errorOf(device.pollOutcome(grant({ status }), T0 + 600_000)), 'expired_token', status);
    }
    assert.equal(errorOf(device.pollOutcome(grant(), T0 + 599_999)), 'authorization_pending');
  });

  test('already exchanged: invalid_grant (a replayed device code), before or after expiry', () => {
    assert.equal(errorOf(device.pollOutcome(grant({ status: 'issued', tokenId: 'tok_x' }), T0 + 1000)), 'invalid_grant');
    assert.equal(errorOf(device.pollOutcome(grant({ status: 'issued', tokenId: 'tok_x' }), T0 + 700_000)), 'invalid_grant');
  });
});

describe('airlock login: wrong user codes are limited', () => {
  test(`${device.GUESS_LIMIT} wrong codes per ${device.GUESS_WINDOW_MS / 60_000} minutes per key, then refused until the window ends`, () => {
    const l = new device.GuessLimiter();
    for (let i = 0; i < device.GUESS_LIMIT; i++) {
      assert.ok(l.allowed('sub:a', T0));
      l.miss('sub:a', T0 + i);
    }
    assert.equal(l.allowed('sub:a', T0 + 1000), false);
    assert.ok(l.allowed('sub:b', T0 + 1000), 'another person is not affected');
    assert.ok(l.allowed('sub:a', T0 + device.GUESS_WINDOW_MS), 'a new window');
  });
});
