import type { IncomingMessage, ServerResponse } from 'node:http';
import type { Readable } from 'node:stream';
import { ClientAborted, BadUpstreamResponse } from './errors.ts';
import { filterResponseHeaders } from './response-headers.ts';
import { upstreamError } from './upstream-errors.ts';
import type { ForwardHeaders } from './sanitize-headers.ts';
import type { Upstream } from './upstreams.ts';

export interface ForwardOptions {
  readonly upstream: Upstream;
  /** Path and query exactly as decided (the env path_prefix included). */
  readonly target: string;
  /** From sanitizeRequestHeaders(). */
  readonly headers: ForwardHeaders;
  /** An already-read body (the policy inspected it); forwarded byte-identical. Otherwise req is streamed. */
  readonly body?: Buffer;
  readonly signal?: AbortSignal;
}

export interface ForwardResult {
  readonly status: number;
  /** Milliseconds from sending the request to the upstream's response headers. */
  readonly upstreamMs: number;
  /** False when the response body broke off after the headers were sent (the client socket was destroyed). */
  readonly complete: boolean;
  /** What broke the body, for the log (only when complete is false). */
  readonly error?: unknown;
}

function requestHasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const cl = req.headers['content-length'];
  return cl !== undefined && cl !== '0';
}

/**
 * Forwards one request to the upstream pool and streams the response back (backpressure through
 * stream.pipeline). Before any response byte: throws AIRLOCK_PROXY_UPSTREAM_UNAVAILABLE (502),
 * _UPSTREAM_TIMEOUT (504), _BAD_UPSTREAM_RESPONSE (502) or _CLIENT_ABORTED (499, the client left).
 * After the headers were sent a failure destroys the client socket and resolves with complete: false.
 */
export async function forwardRequest(req: IncomingMessage, res: ServerResponse, opts: ForwardOptions): Promise<ForwardResult> {
  const { upstream, target } = opts;
  if (typeof target !== 'string' || !target.startsWith('/') || /[\s\x00-\x1f\x7f]/.test(target)) {
    throw new TypeError('target must be an origin-form path starting with "/" without whitespace or controls');
  }
  const local = new AbortController();
  let clientGone = false;
  const onClose = () => {
    if (!res.writableFinished) {
      clientGone = true;
      local.abort(ClientAborted.create());
    }
  };
  res.once('close', onClose);
  const signal = opts.signal ? AbortSignal.any([local.signal, opts.signal]) : local.signal;

  let headers: ForwardHeaders = opts.headers;
  let body: Buffer | IncomingMessage | null = null;
  if (opts.body !== undefined) {
    if (!Buffer.isBuffer(opts.body)) throw new TypeError('body must be a Buffer');
    body = opts.body;
    headers = { ...opts.headers, 'content-length': String(opts.body.length) };
  } else if (requestHasBody(req)) {
    body = req;
  }

  const started = performance.now();
  let upstreamRes;
  try {
    upstreamRes = await upstream.pool.request({ method: req.method ?? 'GET', path: target, headers, body, signal });
  } catch (err) {
    res.off('close', onClose);
    if (clientGone) throw ClientAborted.create({ cause: err });
    throw upstreamError(err, upstream.name);
  }
  const upstreamMs = performance.now() - started;
  const status = upstreamRes.statusCode;
  try {
    res.writeHead(status, filterResponseHeaders(upstreamRes.headers));
  } catch (err) {
    res.off('close', onClose);
    upstreamRes.body.destroy();
    throw BadUpstreamResponse.create({ cause: err, logMessage: `environment "${upstream.name}": response headers cannot be relayed` });
  }
  try {
    await relay(upstreamRes.body, res);
    return { status, upstreamMs, complete: true };
  } catch (err) {
    res.destroy();
    upstreamRes.body.destroy();
    return { status, upstreamMs, complete: false, error: err };
  } finally {
    res.off('close', onClose);
  }
}

/**
 * Streams the upstream body to the client with backpressure (Readable.pipe). Cheaper than
 * stream.pipeline on the hot path: pipeline builds and aborts an AbortController (and a DOMException)
 * for every request. Resolves when the response is finished; rejects when either side breaks off.
 */
function relay(body: Readable, res: ServerResponse): Promise<void> {
  return new Promise((resolve, reject) => {
    const cleanup = () => {
      body.off('error', onError);
      res.off('finish', onFinish);
      res.off('close', onClose);
    };
    const onError = (err: unknown) => (cleanup(), reject(err));
    const onFinish = () => (cleanup(), resolve());
    const onClose = () => {
      if (res.writableFinished) return onFinish();
      cleanup();
      reject(new Error('client connection closed before the response was sent'));
    };
    body.once('error', onError);
    res.once('finish', onFinish);
    res.once('close', onClose);
    body.pipe(res);
  });
}
