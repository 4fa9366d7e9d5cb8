import assert from 'node:assert/strict';
import { Writable } from 'node:stream';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { describe, test } from 'node:test';
import { accessLog, createLogger } from '../../../src/server/logger.ts';

function capture() {
  const chunks: string[] = [];
  const destination = new Writable({
    write(chunk, _enc, cb) {
      chunks.push(String(chunk));
      cb();
    },
  });
  return { destination, lines: () => chunks.join('').split('\n').filter((l) => l !== '').map((l) => JSON.parse(l) as Record<string, unknown>), writes: () => chunks.length };
}

const line = { reqId: 'r-1', method: 'GET', path: '/api/v1/dags', env: 'prod', user: 'dave "d" \u2028', decision: 'allow', reasons: ['role_permits'], status: 200, upstreamStatus: 200, ms: 1.25 };

describe('access log', () => {
  test('writes the same JSON as logger.info(fields, "request"), key for key and in order', async () => {
    const fast = capture();
    const slow = capture();
    const a = createLogger({ destination: fast.destination, base: { worker: 1 } });
    const b = createLogger({ destination: slow.destination, base: { worker: 1 } });
    accessLog(a, line);
    b.info({ ...line }, 'request');
    await nextTurn();
    const [x] = fast.lines();
    const [y] = slow.lines();
    assert.ok(x && y);
    assert.ok(Math.abs(Number(x.time) - Number(y.time)) < 1000);
    delete x.time;
    delete y.time;
    assert.deepEqual(Object.keys(x), Object.keys(y));
    assert.deepEqual(x, y);
  });

  test('leaves out absent optional fields, and empty reasons', async () => {
    const c = capture();
    accessLog(createLogger({ destination: c.destination }), { ...line, user: undefined, upstreamStatus: undefined, reasons: [] });
    await nextTurn();
    const [x] = c.lines();
    assert.ok(x);
    assert.equal('user' in x, false);
    assert.equal('upstreamStatus' in x, false);
    assert.equal('reasons' in x, false);
    assert.equal(x.msg, 'request');
  });

  test('lines of one event-loop turn reach the destination in order, in one write', async () => {
    const c = capture();
    const log = createLogger({ destination: c.destination });
    for (let i = 0; i < 20; i++) accessLog(log, { ...line, reqId: `r-${i}` });
    assert.equal(c.writes(), 0, 'nothing written before the turn ends');
    await nextTurn();
    assert.equal(c.writes(), 1);
    assert.deepEqual(c.lines().map((l) => l.reqId), Array.from({ length: 20 }, (_, i) => `r-${i}`));
  });

  test('an upgrade line carries "upgrade" (fast and generic paths agree, key for key)', async () => {
    const fast = capture();
    const slow = capture();
    const up = { ...line, status: 101, upgrade: 'websocket' };
    accessLog(createLogger({ destination: fast.destination }), up);
    accessLog(createLogger({ destination: slow.destination }).child({}), up);
    await nextTurn();
    const [x] = fast.lines();
    const [y] = slow.lines();
    assert.ok(x && y);
    delete x.time;
    delete y.time;
    assert.equal(x.upgrade, 'websocket');
    assert.deepEqual(Object.keys(x), Object.keys(y));
    assert.deepEqual(x, y);
  });

  test('below level info nothing is written', async () => {
    const c = capture();
    accessLog(createLogger({ destination: c.destination, level: 'warn' }), line);
    await nextTurn();
    assert.equal(c.writes(), 0);
  });
});
