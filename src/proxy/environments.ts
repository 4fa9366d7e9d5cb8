import type { AirlockConfig } from '../config/schema/index.ts';
import { BadHost, MissingHost, NoEnvironment, UnknownHost } from './errors.ts';
import { parseHostHeader, type ParsedHost } from './host-header.ts';
import { compileWebSocketOrigins } from './websocket-origin.ts';

type EnvironmentsConfig = AirlockConfig['environments'];
export type EnvironmentConfig = EnvironmentsConfig[string];

interface Entry {
  readonly name: string;
  readonly env: EnvironmentConfig;
  /** Required port, or undefined for "any port". */
  readonly port: number | undefined;
  readonly prefix: string | undefined;
  /** The host came from the environment itself (not from public_url). */
  readonly explicitHost: boolean;
}

/** Built once per config snapshot by compileEnvironments(). */
export interface CompiledEnvironments {
  /** Lower-case host name -> candidate environments, most specific first. */
  readonly byHost: ReadonlyMap<string, readonly Entry[]>;
  /** public_url's host name (environments without `host` are served there). */
  readonly publicHost: string;
  /** Origins a WebSocket upgrade may come from (checkWebSocketOrigin): public_url's and each environment host's. */
  readonly webSocketOrigins: ReadonlySet<string>;
}

export interface SelectedEnvironment {
  readonly name: string;
  readonly env: EnvironmentConfig;
  /** The request path with the environment's path_prefix removed (always starts with "/"), query kept. */
  readonly pathWithinEnv: string;
  /** The environment's path_prefix ("" when it has none); it is KEPT in the forwarded path. */
  readonly prefix: string;
}

function specificity(e: Entry): number {
  return (e.prefix ? 1_000_000 + e.prefix.length * 10 : 0) + (e.port !== undefined ? 2 : 0) + (e.explicitHost ? 1 : 0);
}

/**
 * Compiles the environments into a host/prefix matcher. An environment without `host` is served at
 * public_url's host name (any port). Throws TypeError for a host or prefix that cannot be matched.
 */
export function compileEnvironments(envs: EnvironmentsConfig, publicUrl: string): CompiledEnvironments {
  let pub: URL;
  try {
    pub = new URL(publicUrl);
  } catch {
    throw new TypeError(`public_url "${publicUrl}" is not a URL`);
  }
  const publicParsed = parseHostHeader(pub.hostname);
  if (!publicParsed) throw new TypeError(`public_url host "${pub.hostname}" is not a host name`);
  const byHost = new Map<string, Entry[]>();
  const envHosts: ParsedHost[] = [];
  for (const [name, env] of Object.entries(envs)) {
    let hostName = publicParsed.name;
    let port: number | undefined;
    if (env.host !== undefined) {
      const parsed = parseHostHeader(env.host);
      if (!parsed) throw new TypeError(`environment "${name}": host "${env.host}" is not a host name (no trailing dot)`);
      hostName = parsed.name;
      port = parsed.port;
      envHosts.push(parsed);
    }
    if (env.path_prefix !== undefined && !/^\/[A-Za-z0-9._~-]+$/.test(env.path_prefix)) {
      throw new TypeError(`environment "${name}": path_prefix "${env.path_prefix}" must be one segment such as "/prod"`);
    }
    const entry: Entry = { name, env, port, prefix: env.path_prefix, explicitHost: env.host !== undefined };
    const list = byHost.get(hostName) ?? [];
    list.push(entry);
    byHost.set(hostName, list);
  }
  for (const list of byHost.values()) list.sort((a, b) => specificity(b) - specificity(a));
  return Object.freeze({ byHost, publicHost: publicParsed.name, webSocketOrigins: compileWebSocketOrigins(pub, envHosts) });
}

function parseHost(host: string | undefined): ParsedHost {
  if (host === undefined || host === '') throw MissingHost.create();
  const parsed = parseHostHeader(host);
  if (!parsed) throw BadHost.create();
  return parsed;
}

/** True when `host` names public_url's host (where /.airlock/* lives). Throws like selectEnvironment for a bad host. */
export function isPublicHost(c: CompiledEnvironments, host: string | undefined): boolean {
  return parseHost(host).name === c.publicHost;
}

/**
 * Selects the environment for a request. `host` is the Host header, `path` the (canonical) path,
 * optionally with "?query". Prefixes match whole segments: "/prod" matches "/prod" and "/prod/..."
 * but not "/production". Throws AIRLOCK_PROXY_MISSING_HOST / _BAD_HOST (400), _UNKNOWN_HOST (421),
 * _NO_ENVIRONMENT (404).
 */
export function selectEnvironment(c: CompiledEnvironments, host: string | undefined, path: string): SelectedEnvironment {
  const parsed = parseHost(host);
  const candidates = c.byHost.get(parsed.name);
  if (!candidates) throw UnknownHost.create();
  const q = path.indexOf('?');
  const pathOnly = q === -1 ? path : path.slice(0, q);
  const query = q === -1 ? '' : path.slice(q);
  let portMatched = false;
  for (const e of candidates) {
    if (e.port !== undefined && e.port !== parsed.port) continue;
    portMatched = true;
    if (e.prefix === undefined) return { name: e.name, env: e.env, pathWithinEnv: pathOnly + query, prefix: '' };
    if (pathOnly === e.prefix || pathOnly.startsWith(e.prefix + '/')) {
      const rest = pathOnly.slice(e.prefix.length);
      return { name: e.name, env: e.env, pathWithinEnv: (rest === '' ? '/' : rest) + query, prefix: e.prefix };
    }
  }
  if (!portMatched) throw UnknownHost.create();
  throw NoEnvironment.create();
}
