import type { IncomingMessage } from 'node:http';
import type { TLSSocket } from 'node:tls';
import { BadForwarded } from './errors.ts';
import { cidrContains, parseCidr, parseIp, type Cidr, type ParsedIp } from '../config/index.ts';
import { parseHostHeader } from './host-header.ts';

/** The compiled `trusted_proxies` list (build once per config snapshot). */
export interface TrustedProxies {
  readonly cidrs: readonly Cidr[];
}

export interface ClientAddress {
  /** The client's address: the TCP peer, or (behind trusted proxies) the right-most untrusted X-Forwarded-For entry. */
  readonly ip: string;
  readonly proto: 'http' | 'https';
  /** Host as the client used it (Host header, or X-Forwarded-Host from a trusted proxy), with port if given. */
  readonly host: string;
  /** Port the client used: from the host when it has one, otherwise 80/443 by proto. */
  readonly port: number;
}

/** Compiles CIDRs ("10.0.0.0/8", "fd00::/8", "192.0.2.1"). Throws TypeError on an invalid entry. */
export function compileTrustedProxies(cidrs: readonly string[]): TrustedProxies {
  if (!Array.isArray(cidrs)) throw new TypeError('trusted proxies must be an array of CIDR strings');
  const out: Cidr[] = [];
  for (const c of cidrs) {
    if (typeof c !== 'string') throw new TypeError('trusted proxies must be an array of CIDR strings');
    const parsed = parseCidr(c.trim());
    if (!parsed) throw new TypeError(`invalid trusted proxy CIDR "${c}" (an address, or address/bits with no host bits set)`);
    out.push(parsed);
  }
  return Object.freeze({ cidrs: Object.freeze(out) });
}

export function isTrustedIp(t: TrustedProxies, ip: ParsedIp): boolean {
  for (const c of t.cidrs) if (cidrContains(c, ip)) return true;
  return false;
}

/** X-Forwarded-For, -Proto and -Host values in rawHeaders order, in one pass (names compared case-insensitively). */
function forwardedValues(raw: readonly string[]): { xff: string[]; xfp: string[]; xfh: string[] } {
  const xff: string[] = [];
  const xfp: string[] = [];
  const xfh: string[] = [];
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const n = raw[i]!;
    const len = n.length;
    if (len < 15 || len > 17) continue;
    const lower = n.toLowerCase();
    if (lower === 'x-forwarded-for') xff.push(raw[i + 1]!);
    else if (lower === 'x-forwarded-proto') xfp.push(raw[i + 1]!);
    else if (lower === 'x-forwarded-host') xfh.push(raw[i + 1]!);
  }
  return { xff, xfp, xfh };
}

function listItems(values: string[]): string[] {
  return values.flatMap((v) => v.split(',')).map((s) => s.trim());
}

/** "1.2.3.4", "1.2.3.4:5678", "[2001:db8::1]", "[2001:db8::1]:443", "2001:db8::1". */
function parseForwardedFor(item: string): ParsedIp | undefined {
  if (item.startsWith('[')) {
    const end = item.indexOf(']');
    if (end === -1) return undefined;
    const rest = item.slice(end + 1);
    if (rest !== '' && !/^:[0-9]{1,5}$/.test(rest)) return undefined;
    return parseIp(item.slice(1, end));
  }
  const m = /^([0-9.]+):[0-9]{1,5}$/.exec(item);
  return parseIp(m ? m[1]! : item);
}

function defaultPort(proto: 'http' | 'https'): number {
  return proto === 'https' ? 443 : 80;
}

/**
 * The client's real address. X-Forwarded-For / -Proto / -Host are believed ONLY when the TCP peer is
 * inside a trusted proxy CIDR; then the X-Forwarded-For chain is walked from the right and the first
 * untrusted address is the client (if every entry is trusted, the left-most). -Proto and -Host: the
 * right-most value (the one the nearest trusted proxy set). From an untrusted peer they are ignored.
 * Throws AIRLOCK_PROXY_BAD_FORWARDED when a trusted proxy sends a value that does not parse.
 */
export function clientAddress(t: TrustedProxies, req: IncomingMessage): ClientAddress {
  const peerInfo = peerOf(t, req.socket);
  const peer = peerInfo.peer;
  const socketProto: 'http' | 'https' = (req.socket as TLSSocket).encrypted ? 'https' : 'http';
  const hostHeader = firstHost(req.rawHeaders);
  if (!peer) {
    // A destroyed socket has no address; nothing to trust.
    return { ip: peerInfo.text, proto: socketProto, host: hostHeader, port: portOf(hostHeader, socketProto) };
  }
  if (!peerInfo.trusted) {
    return { ip: peer.text, proto: socketProto, host: hostHeader, port: portOf(hostHeader, socketProto) };
  }
  const { xff, xfp, xfh } = forwardedValues(req.rawHeaders);
  // a proxy sends the same headers again and again (one client per keep-alive connection, often one address):
  // the walk below is a pure function of them, the peer and the snapshot's CIDRs, so its answer is remembered
  const key = `${peer.text}\u0000${hostHeader}\u0000${socketProto}\u0000${xff.join('\u0001')}\u0000${xfp.join('\u0001')}\u0000${xfh.join('\u0001')}`;
  const memo = forwardedMemo.get(t);
  const hit = memo?.get(key);
  if (hit !== undefined) return hit;
  const out = fromTrustedProxy(t, peer, socketProto, hostHeader, xff, xfp, xfh);
  if (memo === undefined) forwardedMemo.set(t, new Map([[key, out]]));
  else {
    if (memo.size >= FORWARDED_MEMO_SIZE) memo.clear(); // bounded: the headers are chosen by clients
    memo.set(key, out);
  }
  return out;
}

/** Answers of the X-Forwarded-* walk per trusted-proxies snapshot, keyed by the raw values (refusals are not kept). */
const forwardedMemo = new WeakMap<TrustedProxies, Map<string, ClientAddress>>();
const FORWARDED_MEMO_SIZE = 4096;

function fromTrustedProxy(t: TrustedProxies, peer: ParsedIp, socketProto: 'http' | 'https', hostHeader: string, xff: string[], xfp: string[], xfh: string[]): ClientAddress {
  let ip = peer;
  const chain = listItems(xff).filter((s) => s !== '');
  for (let i = chain.length - 1; i >= 0; i--) {
    const parsed = parseForwardedFor(chain[i]!);
    if (!parsed) throw BadForwarded.create({ logMessage: `invalid X-Forwarded-For entry from trusted proxy ${peer.text}` });
    ip = parsed;
    if (!isTrustedIp(t, parsed)) break;
  }
  const protos = listItems(xfp).filter((s) => s !== '');
  let proto = socketProto;
  if (protos.length > 0) {
    const p = protos[protos.length - 1]!.toLowerCase();
    if (p !== 'http' && p !== 'https') throw BadForwarded.create({ logMessage: `invalid X-Forwarded-Proto from trusted proxy ${peer.text}` });
    proto = p;
  }
  const hosts = listItems(xfh).filter((s) => s !== '');
  let host = hostHeader;
  if (hosts.length > 0) {
    const h = hosts[hosts.length - 1]!;
    if (!parseHostHeader(h)) throw BadForwarded.create({ logMessage: `invalid X-Forwarded-Host from trusted proxy ${peer.text}` });
    host = h;
  }
  return Object.freeze({ ip: ip.text, proto, host, port: portOf(host, proto) });
}

function portOf(host: string, proto: 'http' | 'https'): number {
  let port = hostPorts.get(host);
  if (port === undefined) {
    port = parseHostHeader(host)?.port ?? 0;
    if (hostPorts.size >= 1024) hostPorts.clear(); // bounded: Host values are chosen by clients
    hostPorts.set(host, port);
  }
  return port === 0 ? defaultPort(proto) : port;
}

/** Host header -> its explicit port (0: none or unparsable). */
const hostPorts = new Map<string, number>();

function firstHost(raw: readonly string[]): string {
  for (let i = 0; i + 1 < raw.length; i += 2) {
    const n = raw[i]!;
    if (n.length === 4 && n.toLowerCase() === 'host') return raw[i + 1]!;
  }
  return '';
}

interface PeerInfo {
  readonly trustedProxies: TrustedProxies;
  readonly text: string;
  readonly peer: ParsedIp | undefined;
  readonly trusted: boolean;
}

/** The TCP peer of a socket never changes: parse it and check it against the trusted CIDRs once per socket and snapshot. */
const peers = new WeakMap<object, PeerInfo>();

function peerOf(t: TrustedProxies, socket: IncomingMessage['socket']): PeerInfo {
  const text = socket.remoteAddress;
  let info = peers.get(socket);
  if (info !== undefined && info.trustedProxies === t && info.text === (text ?? '')) return info;
  const peer = text === undefined ? undefined : parseIp(text);
  info = { trustedProxies: t, text: text ?? '', peer, trusted: peer !== undefined && isTrustedIp(t, peer) };
  if (text !== undefined) peers.set(socket, info);
  return info;
}
