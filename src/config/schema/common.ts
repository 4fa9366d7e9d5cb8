import { isIP } from 'node:net';
import { z } from 'zod';
import { Secret } from '../secret.ts';
import { parseDuration } from '../duration.ts';

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

/** An IPv4/IPv6 address or CIDR block (network address only: "10.0.0.1/8" is refused with the block meant). */
export const cidr = text.pipe(
  z.string().superRefine((v, ctx) => {
    const [addr = '', prefix, ...rest] = v.split('/');
    const family = isIP(addr);
    const bits = family === 4 ? 32 : 128;
    if (family === 0 || rest.length > 0 || (prefix !== undefined && !(/^\d{1,3}$/.test(prefix) && Number(prefix) <= bits))) {
      ctx.addIssue({ code: 'custom', message: 'must be an IP address or CIDR, e.g. "10.0.0.0/8"' });
      return;
    }
    if (prefix === undefined) return;
    const value = ipValue(addr, family);
    const hostMask = (1n << BigInt(bits - Number(prefix))) - 1n;
    if ((value & hostMask) !== 0n) {
      const network = family === 4 ? `${formatIpv4(value & ~hostMask)}/${prefix}` : undefined;
      ctx.addIssue({ code: 'custom', message: `has host bits set${network ? `: the block is "${network}"` : ' (give the network address of the block)'}` });
    }
  }),
);

/** An address isIP() accepted, as a number (IPv6 with "::" and an embedded IPv4 tail handled). */
function ipValue(addr: string, family: number): bigint {
  if (family === 4) return addr.split('.').reduce((n, o) => (n << 8n) | BigInt(Number(o)), 0n);
  let a = addr.split('%')[0]!;
  const v4 = /(\d+\.\d+\.\d+\.\d+)$/.exec(a);
  if (v4) {
    const n = ipValue(v4[1]!, 4);
    a = `${a.slice(0, -v4[1]!.length)}${(n >> 16n).toString(16)}:${(n & 0xffffn).toString(16)}`;
  }
  const [head = '', tail] = a.split('::');
  const h = head === '' ? [] : head.split(':');
  const t = tail === undefined || tail === '' ? [] : tail.split(':');
  const groups = tail === undefined ? h : [...h, ...Array(8 - h.length - t.length).fill('0'), ...t];
  return groups.reduce((n, g) => (n << 16n) | BigInt(parseInt(g, 16)), 0n);
}

function formatIpv4(n: bigint): string {
  return [24n, 16n, 8n, 0n].map((s) => String((n >> s) & 0xffn)).join('.');
}

/** A WebAuthn RP ID may be the host itself or a parent domain of it (never a mere suffix: "ample.com" of "example.com"). */
export function rpIdCovers(rpId: string, host: string): boolean {
  return rpId === host || host.endsWith(`.${rpId}`);
}

export const AIRFLOW_ROLES = ['Admin', 'Op', 'User', 'Viewer', 'Public'] as const;

/** localhost, 127.0.0.1 or [::1]: the only hosts where http:// is tolerated (development, tests). */
export function isLoopbackHost(hostname: string): boolean {
  return hostname === 'localhost' || hostname === '127.0.0.1' || hostname === '[::1]';
}
