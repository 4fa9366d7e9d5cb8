import { createHash } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import net from 'node:net';
import type { Duplex } from 'node:stream';
import tls from 'node:tls';
import { BadUpgrade, BadUpstreamResponse, ClientAborted, UpstreamTimeout, UpstreamUnavailable } from './errors.ts';
import { upstreamError } from './upstream-errors.ts';
import { withoutProtectedCookies } from './protected-cookies.ts';
import { HOP_BY_HOP_RESPONSE } from './header-names.ts';
import type { ForwardHeaders } from './sanitize-headers.ts';
import type { Upstream } from './upstreams.ts';
import { headerValue, parseResponseHead, type ResponseHead } from './upgrade-response.ts';

const WS_GUID = '258EAFA5-E914-47DA-95CA-C5AB0DC85B11';
const MAX_HEAD = 16 * 1024;
const MAX_REFUSAL_BODY = 64 * 1024;
const HALF_CLOSE_GRACE_MS = 1000;

export interface TunnelOptions {
  readonly upstream: Upstream;
  /** Path and query exactly as decided (env path_prefix included). */
  readonly target: string;
  /** From sanitizeRequestHeaders() (Upgrade/Connection are added here). */
  readonly headers: ForwardHeaders;
  /** The gateway's cookie names (lower-case): an upstream Set-Cookie for one of them is dropped. */
  readonly protectedCookies?: ReadonlySet<string>;
  /** Sent to the client as X-Request-Id on the 101 or the relayed refusal (the upstream's own is replaced). */
  readonly requestId?: string;
}

export interface TunnelResult {
  /** 101 when the tunnel is up; otherwise the upstream's refusal status, relayed to the client. */
  readonly status: number;
  readonly upstreamMs: number;
  /** Gateway cookies the upstream tried to set (dropped), for the log. */
  readonly droppedCookies?: readonly string[];
}

function expectedAccept(key: string): string {
  return createHash('sha1').update(key + WS_GUID).digest('base64');
}

function validateUpgrade(req: IncomingMessage): string {
  const upgrade = req.headers.upgrade;
  const connection = req.headers.connection ?? '';
  const key = req.headers['sec-websocket-key'];
  const ok =
    req.method === 'GET' &&
    typeof upgrade === 'string' &&
    upgrade.trim().toLowerCase() === 'websocket' &&
    connection.split(',').some((t) => t.trim().toLowerCase() === 'upgrade') &&
    typeof key === 'string' &&
    /^[A-Za-z0-9+/]{22}==$/.test(key);
  if (!ok) throw BadUpgrade.create();
  return key as string;
}

function requestText(target: string, headers: ForwardHeaders): string {
  let out = `GET ${target} HTTP/1.1\r\n`;
  for (const [name, value] of Object.entries(headers)) {
    if (name === 'content-length' || name === 'transfer-encoding') continue;
    for (const v of Array.isArray(value) ? value : [value]) {
      if (/[\r\n\0]/.test(v) || /[\r\n\0:]/.test(name)) throw new TypeError(`header ${name} cannot be written`);
      out += `${name}: ${v}\r\n`;
    }
  }
  return out + 'Connection: Upgrade\r\nUpgrade: websocket\r\n\r\n';
}

function connect(up: Upstream): Duplex {
  if (up.tls) {
    const servername = up.tlsOptions?.servername ?? (net.isIP(up.hostname) ? undefined : up.hostname);
    return tls.connect({ ...(up.tlsOptions ?? {}), host: up.hostname, port: up.port, rejectUnauthorized: true, ...(servername ? { servername } : {}) });
  }
  return net.connect({ host: up.hostname, port: up.port });
}

/**
 * Response headers relayed to the client: hop-by-hop and framing removed (the caller adds its own), and a
 * Set-Cookie for one of the gateway's cookies (`protect`; its name pushed on `dropped`).
 */
function relayHeaders(head: ResponseHead, protect: ReadonlySet<string> | undefined, dropped: string[], requestId: string | undefined): string {
  const named = new Set((headerValue(head, 'connection') ?? '').split(',').map((t) => t.trim().toLowerCase()));
  let out = '';
  for (const [name, value] of head.headers) {
    const n = name.toLowerCase();
    if (HOP_BY_HOP_RESPONSE.has(n) || named.has(n) || n === 'content-length') continue;
    if (n === 'x-request-id' && requestId !== undefined) continue;
    if (n === 'set-cookie' && protect !== undefined && withoutProtectedCookies(value, protect, dropped) === undefined) continue;
    out += `${name}: ${value}\r\n`;
  }
  return requestId === undefined ? out : `${out}X-Request-Id: ${requestId}\r\n`;
}

/**
 * Tunnels an authenticated WebSocket upgrade (server 'upgrade' event) to the upstream. Sends the
 * upgrade with the sanitized headers, and only on a real 101 (Upgrade: websocket, Connection: upgrade,
 * correct Sec-WebSocket-Accept) answers the client 101 and pipes bytes both ways. A non-101 answer is
 * relayed (status, headers, body up to 64 KiB) and both sides are closed. Throws, with nothing written
 * to the client: AIRLOCK_PROXY_BAD_UPGRADE (400), _UPSTREAM_UNAVAILABLE (502, incl. connect_timeout),
 * _UPSTREAM_TIMEOUT (504, no answer within timeout), _BAD_UPSTREAM_RESPONSE (502), _CLIENT_ABORTED.
 * Render a thrown error with writeRawErrorResponse(socket, err).
 */
export async function tunnelWebSocket(req: IncomingMessage, socket: Duplex, head: Buffer, opts: TunnelOptions): Promise<TunnelResult> {
  const key = validateUpgrade(req);
  if (!opts.target.startsWith('/') || /[\s\x00-\x1f\x7f]/.test(opts.target)) throw new TypeError('target must be a path starting with "/"');
  if (opts.requestId !== undefined && !/^[\x21-\x7e]{1,200}$/.test(opts.requestId)) throw new TypeError('requestId must be visible ASCII');
  const text = requestText(opts.target, opts.headers);
  const { upstream } = opts;
  const env = upstream.env;

  return new Promise<TunnelResult>((resolve, reject) => {
    const started = performance.now();
    const up = connect(upstream);
    let settled = false;
    let connected = false;
    let buffered = Buffer.alloc(0);
    let timer: NodeJS.Timeout = setTimeout(
      () => fail(UpstreamUnavailable.create({ logMessage: `environment "${upstream.name}": connect timeout ${env.connect_timeout} ms` })),
      env.connect_timeout,
    );

    const detach = () => {
      clearTimeout(timer);
      up.off('data', onData);
      up.off('error', onUpError);
      up.off('close', onUpClose);
      socket.off('close', onClientClose);
      socket.off('error', onClientClose);
    };
    const fail = (err: unknown) => {
      if (settled) return;
      settled = true;
      detach();
      up.on('error', () => {});
      up.destroy();
      reject(err);
    };
    const onUpError = (err: Error) =>
      fail(
        connected
          ? BadUpstreamResponse.create({ cause: err })
          : upstreamError(err, upstream.name),
      );
    const onUpClose = () => fail(BadUpstreamResponse.create({ logMessage: `environment "${upstream.name}": closed before answering the upgrade` }));
    const onClientClose = () => fail(ClientAborted.create());

    const onConnect = () => {
      connected = true;
      clearTimeout(timer);
      timer = setTimeout(
        () => fail(UpstreamTimeout.create({ logMessage: `environment "${upstream.name}": no upgrade answer within ${env.timeout} ms` })),
        env.timeout,
      );
      up.write(text);
    };

    const onData = (chunk: Buffer) => {
      buffered = Buffer.concat([buffered, chunk]);
      const end = buffered.indexOf('\r\n\r\n');
      if (end === -1) {
        if (buffered.length > MAX_HEAD) fail(BadUpstreamResponse.create({ logMessage: 'upgrade response head too large' }));
        return;
      }
      const headText = buffered.subarray(0, end).toString('latin1');
      const parsed = parseResponseHead(headText);
      if (!parsed) return fail(BadUpstreamResponse.create({ logMessage: 'malformed upgrade response' }));
      const rest = buffered.subarray(end + 4);
      const upstreamMs = performance.now() - started;
      if (parsed.status === 101) return established(parsed, rest, upstreamMs);
      if (parsed.status < 200) return fail(BadUpstreamResponse.create({ logMessage: `unexpected ${parsed.status} to an upgrade` }));
      const reason = /^HTTP\/1\.[01] [0-9]{3} ?(.*)$/.exec(headText.slice(0, headText.indexOf('\r\n') === -1 ? undefined : headText.indexOf('\r\n')))?.[1] ?? '';
      refused(parsed, reason, rest, upstreamMs);
    };

    const established = (h: ResponseHead, rest: Buffer, upstreamMs: number) => {
      const okUpgrade = (headerValue(h, 'upgrade') ?? '').trim().toLowerCase() === 'websocket';
      const okConnection = (headerValue(h, 'connection') ?? '').split(',').some((t) => t.trim().toLowerCase() === 'upgrade');
      const okAccept = headerValue(h, 'sec-websocket-accept') === expectedAccept(key);
      if (!okUpgrade || !okConnection || !okAccept) return fail(BadUpstreamResponse.create({ logMessage: 'upstream 101 is not a valid WebSocket handshake' }));
      settled = true;
      detach();
      const dropped: string[] = [];
      socket.write(`HTTP/1.1 101 Switching Protocols\r\n${relayHeaders(h, opts.protectedCookies, dropped, opts.requestId)}Upgrade: websocket\r\nConnection: Upgrade\r\n\r\n`);
      if (rest.length > 0) socket.write(rest);
      if (head.length > 0) up.write(head);
      // Either side erroring ends both at once; a side closing ends the other after flushing
      // (a peer that keeps a half-closed connection open is destroyed after HALF_CLOSE_GRACE_MS).
      const destroyBoth = () => {
        socket.destroy();
        up.destroy();
      };
      const endOther = (other: Duplex) => () => {
        if (other.destroyed) return;
        other.end();
        setTimeout(() => other.destroy(), HALF_CLOSE_GRACE_MS);
      };
      up.on('error', destroyBoth);
      socket.on('error', destroyBoth);
      up.on('close', endOther(socket));
      socket.on('close', endOther(up));
      // The server socket allows half-open connections: a client FIN ends the tunnel.
      socket.on('end', () => socket.end());
      if (up instanceof net.Socket) up.setNoDelay(true);
      if (socket instanceof net.Socket) {
        socket.setNoDelay(true);
        socket.setTimeout(0);
      }
      up.pipe(socket);
      socket.pipe(up);
      resolve({ status: 101, upstreamMs, ...(dropped.length > 0 ? { droppedCookies: dropped } : {}) });
    };

    /** Relays a refusal: status, headers, and a Content-Length body (capped) that arrives within timeout. */
    const refused = (h: ResponseHead, reason: string, rest: Buffer, upstreamMs: number) => {
      const cl = headerValue(h, 'content-length');
      const want = cl !== undefined && /^[0-9]{1,9}$/.test(cl) ? Math.min(Number(cl), MAX_REFUSAL_BODY) : 0;
      let body = rest;
      settled = true;
      detach();
      const finish = () => {
        clearTimeout(timer);
        up.removeAllListeners('data');
        up.on('error', () => {});
        up.destroy();
        const b = body.subarray(0, want);
        socket.on('error', () => {});
        const dropped: string[] = [];
        socket.end(Buffer.concat([Buffer.from(`HTTP/1.1 ${h.status} ${reason}\r\n${relayHeaders(h, opts.protectedCookies, dropped, opts.requestId)}Content-Length: ${b.length}\r\nConnection: close\r\n\r\n`, 'latin1'), b]));
        resolve({ status: h.status, upstreamMs, ...(dropped.length > 0 ? { droppedCookies: dropped } : {}) });
      };
      if (body.length >= want) return finish();
      let done = false;
      const once = () => {
        if (done) return;
        done = true;
        finish();
      };
      timer = setTimeout(once, env.timeout);
      up.on('data', (c: Buffer) => {
        body = Buffer.concat([body, c]);
        if (body.length >= want) once();
      });
      up.on('close', once);
      up.on('error', once);
    };

    up.once(upstream.tls ? 'secureConnect' : 'connect', onConnect);
    up.on('data', onData);
    up.on('error', onUpError);
    up.on('close', onUpClose);
    socket.on('close', onClientClose);
    socket.on('error', onClientClose);
  });
}
