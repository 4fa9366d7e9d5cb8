import { z } from 'zod';
import { Secret } from '../secret.ts';
import { parseDuration } from '../duration.ts';
import { cidrNetworkText, parseCidr } from '../ip.ts';

const unwrap = (v: unknown): unknown => (v instanceof Secret ? v.reveal() : v);

/** A duration such as "5m", "8h", "30d", "1h30m" -> milliseconds. A bare number is refused (the unit would be a guess). */
export const duration = z.unknown().transform((raw, ctx): number => {
  const v = unwrap(raw);
  if (typeof v === 'string') {
    const ms = parseDuration(v);
    if (ms !== undefined) return ms;
  }
  ctx.addIssue({
    code: 'custom',
    message: typeof v === 'number' ? 'a duration needs a unit, e.g. "30s" or "5m"' : 'must be a duration: a number with ms, s, m, h or d, e.g. "5m" or "1h30m"',
  });
  return z.NEVER;
});

/**
 * A field that must come from a secret reference (never an inline literal). Not z.custom(): its issue aborts
 * the whole parse, which would hide cross-field problems elsewhere in the file.
 */
export const secret = z.unknown().transform((v, ctx): Secret => {
  if (v instanceof Secret) return v;
  ctx.addIssue({ code: 'custom', message: 'must be a secret reference: "${env:NAME}" or "${file:/path/to/secret}", never an inline value' });
  return z.NEVER;
});

/** A Secret object as it comes from a reference (for unions such as the store URL). */
export const secretValue = z.unknown().refine((v) => v instanceof Secret, 'must be a secret reference').transform((v) => v as Secret);

/** A plain string field; a ${env:}/${file:} reference is accepted and unwrapped. */
export const text = z.preprocess(unwrap, z.string());

/** Run a cross-field refinement even when other fields of the object have issues (it must check types itself). */
export const ALWAYS = { when: () => true } as const;

/** new URL() that returns undefined for anything unparsable (including non-strings). */
export function parseUrl(v: unknown): URL | undefined {
  if (typeof v !== 'string') return undefined;
  try {
    return new URL(v);
  } catch {
    return undefined;
  }
}

/** An absolute http(s) URL without user:password@ (credentials belong in secrets). */
export const httpUrl = text.pipe(
  z.string().superRefine((v, ctx) => {
    const u = parseUrl(v);
    if (!u || (u.protocol !== 'http:' && u.protocol !== 'https:')) {
      ctx.addIssue({ code: 'custom', message: 'must be an absolute http:// or https:// URL' });
    } else if (u.username || u.password) {
      ctx.addIssue({ code: 'custom', message: 'must not contain user:password@; credentials are not put in URLs here' });
    }
  }),
);

/** host:port, [ipv6]:port or :port (port 0 = any free port). */
export const listenAddress = text.pipe(
  z
    .string()
    .regex(/^(\[[0-9a-fA-F:.]+\]|[A-Za-z0-9.-]*):\d{1,5}$/, 'must be host:port, e.g. "0.0.0.0:8080"')
    .transform((v) => {
      const i = v.lastIndexOf(':');
      const host = v.slice(0, i).replace(/^\[|\]$/g, '') || '0.0.0.0';
      return { host, port: Number(v.slice(i + 1)) };
    })
    .refine((v) => v.port <= 65535, 'port must be at most 65535'),
);

/** An IPv4/IPv6 address or CIDR block, parsed exactly as the proxy matches it ("10.0.0.1/8" is refused with the block meant). */
export const cidr = text.pipe(
  z.string().superRefine((v, ctx) => {
    if (parseCidr(v) !== undefined) return;
    const network = cidrNetworkText(v);
    ctx.addIssue({ code: 'custom', message: network ? `has host bits set: the block is "${network}"` : 'must be an IP address or CIDR, e.g. "10.0.0.0/8"' });
  }),
);

/** A WebAuthn RP ID may be the host itself or a parent domain of it (never a mere suffix: "ample.com" of "example.com"). */
export function rpIdCovers(rpId: string, host: string): boolean {
  return rpId === host || host.endsWith(`.${rpId}`);
}

export const AIRFLOW_ROLES = ['Admin', 'Op', 'User', 'Viewer', 'Public'] as const;

/** localhost, 127.0.0.1 or [::1]: the only hosts where http:// is tolerated (development, tests). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}
