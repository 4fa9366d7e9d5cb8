import assert from 'node:assert/strict';
import { assertErrorPage, loginUntilCallback, requestCallback } from '../gateway/flows.ts';
import type { LogCapture } from './log-capture.ts';

export interface Refusal {
  readonly page: string;
  /** The gateway's "sign-in refused" log line of that request. */
  readonly entry: Record<string, unknown>;
  readonly ms: number;
}

/**
 * Signs `username` in (password `<username>-demo`) up to the callback, requests it and expects a refusal: an HTML
 * page with `status`, the error code and the request id (X-Request-Id) on it, no session afterwards, and one
 * "sign-in refused" log line for that request id carrying the code.
 */
export async function expectRefusal(gatewayUrl: string, log: LogCapture, username: string, status: number, code: string): Promise<Refusal> {
  const { callbackUrl, jar } = await loginUntilCallback(gatewayUrl, username, `${username}-demo`);
  const t0 = performance.now();
  const res = await requestCallback(callbackUrl, jar);
  const ms = performance.now() - t0;
  const reqId = res.headers.get('x-request-id');
  const page = await assertErrorPage(res, status, code);
  assert.ok(reqId && page.includes(reqId), `the page shows the request id ${reqId}`);
  const who = await fetch(`${gatewayUrl}/.airlock/whoami`, { headers: { cookie: jar.header(gatewayUrl) ?? '' } });
  assert.equal(who.status, 401, 'not signed in');
  await who.arrayBuffer();
  const entry = (await log.entries()).find((e) => e.msg === 'sign-in refused' && e.reqId === reqId);
  assert.ok(entry, `a "sign-in refused" log line for request ${reqId}`);
  assert.equal(entry.code, code);
  return { page, entry, ms };
}
