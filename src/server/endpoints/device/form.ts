import type { IncomingMessage } from 'node:http';
import { clientAddress } from '../../../proxy/index.ts';
import { device, TokenBuckets } from '../../../tokens/index.ts';
import type { GatewayServices } from '../../context.ts';
import { readLimitedBody } from '../../read-body.ts';
import type { Runtime } from '../../runtime.ts';

/** The only client of the device flow: the airlock CLI (a public client, RFC 8628 §3.1). */
export const DEVICE_CLIENT_ID = 'airlock-cli';
export const DEVICE_GRANT_TYPE = 'urn:ietf:params:oauth:grant-type:device_code';
/** How long a device code and its user code live. */
export const DEVICE_CODE_TTL_MS = 10 * 60_000;
/** The polling interval the CLI starts with. */
export const DEVICE_INTERVAL_MS = 5_000;
/** A person whose role requires a security key approves within this long after confirming with it. */
export const DEVICE_STEP_UP_WITHIN_MS = 5 * 60_000;

const MAX_FORM = 4096;

/**
 * Device authorization requests (`POST /.airlock/device/code`, unauthenticated) per client address, per worker
 * process: a bucket of this many, refilled at this many per minute. Beyond it: 429 slow_down with Retry-After.
 */
export const DEVICE_CODE_REQUESTS_PER_MINUTE = 30;
/** At most this many grants wait for a decision at once (all addresses, all workers): beyond it 503. */
export const MAX_PENDING_DEVICE_GRANTS = 1_000;

/**
 * An application/x-www-form-urlencoded body (at most 4 KiB). Undefined when the content type is another or a
 * parameter is repeated (RFC 6749 §3.2: parameters must not be included more than once).
 */
export async function readForm(req: IncomingMessage): Promise<URLSearchParams | undefined> {
  const type = req.headers['content-type'] ?? '';
  if (!/^application\/x-www-form-urlencoded(\s*;|$)/i.test(type)) {
    req.resume();
    return undefined;
  }
  const form = new URLSearchParams((await readLimitedBody(req, MAX_FORM)).toString('utf8'));
  const keys = [...form.keys()];
  return new Set(keys).size === keys.length ? form : undefined;
}

export function clientIp(req: IncomingMessage, rt: Runtime): string | undefined {
  try {
    return clientAddress(rt.trusted, req).ip;
  } catch {
    return req.socket.remoteAddress;
  }
}

const codeBuckets = new WeakMap<GatewayServices, TokenBuckets>();

/**
 * Takes one device authorization request of this client address from this worker's bucket: 0 when allowed, else
 * the ms until the next one is.
 */
export function takeCodeRequest(svc: GatewayServices, address: string, now: number): number {
  let b = codeBuckets.get(svc);
  if (!b) codeBuckets.set(svc, (b = new TokenBuckets(10_000)));
  return b.take(address, now, DEVICE_CODE_REQUESTS_PER_MINUTE / 60, DEVICE_CODE_REQUESTS_PER_MINUTE);
}

const limiters = new WeakMap<GatewayServices, InstanceType<typeof device.GuessLimiter>>();

/** This worker's limiter of wrong user codes (per person and per client address). */
export function guessLimiter(svc: GatewayServices): InstanceType<typeof device.GuessLimiter> {
  let l = limiters.get(svc);
  if (!l) {
    l = new device.GuessLimiter();
    limiters.set(svc, l);
  }
  return l;
}
