import { parseIp } from '../config/index.ts';

export interface ParsedHost {
  /** Lower-case host name, dotted IPv4, or IPv6 in brackets ("[::1]"). */
  readonly name: string;
  /** The port when the header names one. */
  readonly port: number | undefined;
}

const NAME = /^[a-z0-9](?:[a-z0-9-]*[a-z0-9])?(?:\.[a-z0-9](?:[a-z0-9-]*[a-z0-9])?)*$/;

/**
 * Parses a Host (or X-Forwarded-Host) value: "name", "name:port", "[v6]", "[v6]:port".
 * Returns undefined for anything else, including a trailing dot ("example.com."), an empty port,
 * a port above 65535, userinfo or path characters.
 */
export function parseHostHeader(value: string): ParsedHost | undefined {
  const v = value.toLowerCase();
  let name: string;
  let portText: string | undefined;
  if (v.startsWith('[')) {
    const end = v.indexOf(']');
    if (end === -1) return undefined;
    const inner = v.slice(1, end);
    const ip = parseIp(inner);
    if (!ip || inner.includes('%') || !inner.includes(':')) return undefined;
    name = `[${inner}]`;
    const rest = v.slice(end + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return undefined;
      portText = rest.slice(1);
    }
  } else {
    const colon = v.indexOf(':');
    name = colon === -1 ? v : v.slice(0, colon);
    if (colon !== -1) portText = v.slice(colon + 1);
    if (name.length === 0 || name.length > 253 || !NAME.test(name)) return undefined;
  }
  let port: number | undefined;
  if (portText !== undefined) {
    if (!/^[0-9]{1,5}$/.test(portText)) return undefined;
    port = Number(portText);
    if (port < 1 || port > 65535) return undefined;
  }
  return { name, port };
}
