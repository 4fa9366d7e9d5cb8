/**
 * IP addresses as 128-bit numbers. IPv4 (and IPv4-mapped IPv6 such as ::ffff:10.0.0.1) map into
 * ::ffff:0:0/96 so one comparison covers both families.
 */

const V4_MAPPED = 0xffffn << 32n;
const ALL = (1n << 128n) - 1n;

export interface ParsedIp {
  readonly value: bigint;
  /** True for IPv4 and IPv4-mapped IPv6. */
  readonly v4: boolean;
  /** Canonical text: dotted quad for IPv4 and mapped addresses, lower-case for IPv6. */
  readonly text: string;
}

function parseV4(s: string): number | undefined {
  const parts = s.split('.');
  if (parts.length !== 4) return undefined;
  let n = 0;
  for (const p of parts) {
    if (!/^(0|[1-9][0-9]{0,2})$/.test(p)) return undefined;
    const v = Number(p);
    if (v > 255) return undefined;
    n = n * 256 + v;
  }
  return n;
}

function parseV6(s: string): bigint | undefined {
  if (!/^[0-9a-fA-F:.]+$/.test(s)) return undefined;
  const dbl = s.indexOf('::');
  if (dbl !== -1 && s.indexOf('::', dbl + 1) !== -1) return undefined;
  const head = dbl === -1 ? s : s.slice(0, dbl);
  const tail = dbl === -1 ? '' : s.slice(dbl + 2);
  const toGroups = (part: string, allowV4Tail: boolean): number[] | undefined => {
    if (part === '') return [];
    const out: number[] = [];
    const items = part.split(':');
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (allowV4Tail && i === items.length - 1 && it.includes('.')) {
        const v4 = parseV4(it);
        if (v4 === undefined) return undefined;
        out.push(Math.floor(v4 / 65536), v4 % 65536);
      } else {
        if (!/^[0-9a-fA-F]{1,4}$/.test(it)) return undefined;
        out.push(parseInt(it, 16));
      }
    }
    return out;
  };
  const h = toGroups(head, dbl === -1);
  const t = toGroups(tail, true);
  if (!h || !t) return undefined;
  let groups: number[];
  if (dbl === -1) {
    if (h.length !== 8) return undefined;
    groups = h;
  } else {
    const missing = 8 - h.length - t.length;
    if (missing < 1) return undefined;
    groups = [...h, ...new Array<number>(missing).fill(0), ...t];
  }
  let v = 0n;
  for (const g of groups) v = (v << 16n) | BigInt(g);
  return v;
}

function v4Text(n: bigint): string {
  const x = Number(n & 0xffffffffn);
  return `${(x >>> 24) & 255}.${(x >>> 16) & 255}.${(x >>> 8) & 255}.${x & 255}`;
}

/** Parses an IPv4 or IPv6 address (an IPv6 zone "%eth0" is ignored). Undefined if it is not one. */
export function parseIp(input: string): ParsedIp | undefined {
  const s = input.includes('%') ? input.slice(0, input.indexOf('%')) : input;
  if (s.includes(':')) {
    const v = parseV6(s);
    if (v === undefined) return undefined;
    const mapped = v >> 32n === 0xffffn;
    return { value: v, v4: mapped, text: mapped ? v4Text(v) : s.toLowerCase() };
  }
  const v4 = parseV4(s);
  if (v4 === undefined) return undefined;
  return { value: V4_MAPPED | BigInt(v4), v4: true, text: s };
}

export interface Cidr {
  readonly network: bigint;
  readonly mask: bigint;
  readonly source: string;
}

/** Parses "10.0.0.0/8", "fd00::/8", "::ffff:10.0.0.0/104" or a bare address. Undefined if invalid or host bits are set. */
export function parseCidr(input: string): Cidr | undefined {
  const slash = input.indexOf('/');
  const addr = slash === -1 ? input : input.slice(0, slash);
  const ip = parseIp(addr);
  if (!ip || addr.includes('%')) return undefined;
  const isV4Literal = !addr.includes(':');
  const max = isV4Literal ? 32 : 128;
  let bits = max;
  if (slash !== -1) {
    const b = input.slice(slash + 1);
    if (!/^(0|[1-9][0-9]{0,2})$/.test(b)) return undefined;
    bits = Number(b);
    if (bits > max) return undefined;
  }
  const prefix = isV4Literal ? 96 + bits : bits;
  const mask = prefix === 0 ? 0n : (ALL << BigInt(128 - prefix)) & ALL;
  if ((ip.value & mask) !== ip.value) return undefined;
  return { network: ip.value, mask, source: input };
}

export function cidrContains(c: Cidr, ip: ParsedIp): boolean {
  return (ip.value & c.mask) === c.network;
}
