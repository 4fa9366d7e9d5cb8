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

/**
 * For an address/bits with host bits set ("10.0.0.1/8"): the block it lies in, as it should have been written
 * ("10.0.0.0/8"). Undefined when `input` is not such a CIDR (valid, or not an address/bits at all).
 */
export function cidrNetworkText(input: string): string | undefined {
  const slash = input.indexOf('/');
  if (slash === -1 || parseCidr(input) !== undefined) return undefined;
  const addr = input.slice(0, slash);
  const b = input.slice(slash + 1);
  const ip = parseIp(addr);
  const isV4Literal = !addr.includes(':');
  if (!ip || addr.includes('%') || !/^(0|[1-9][0-9]{0,2})$/.test(b) || Number(b) > (isV4Literal ? 32 : 128)) return undefined;
  const prefix = isV4Literal ? 96 + Number(b) : Number(b);
  const mask = prefix === 0 ? 0n : (ALL << BigInt(128 - prefix)) & ALL;
  const network = ip.value & mask;
  return `${isV4Literal ? v4Text(network) : v6Text(network)}/${b}`;
}

/** An IPv6 value as text: eight lower-case groups, the longest run of two or more zero groups as "::". */
function v6Text(v: bigint): string {
  const groups = Array.from({ length: 8 }, (_, i) => Number((v >> BigInt(112 - 16 * i)) & 0xffffn));
  let best = -1;
  let bestLen = 1;
  for (let i = 0; i < 8; ) {
    if (groups[i] !== 0) {
      i++;
      continue;
    }
    let j = i;
    while (j < 8 && groups[j] === 0) j++;
    if (j - i > bestLen) [best, bestLen] = [i, j - i];
    i = j;
  }
  const hex = groups.map((g) => g.toString(16));
  if (best === -1) return hex.join(':');
  return `${hex.slice(0, best).join(':')}::${hex.slice(best + bestLen).join(':')}`;
}

export function cidrContains(c: Cidr, ip: ParsedIp): boolean {
  return (ip.value & c.mask) === c.network;
}
