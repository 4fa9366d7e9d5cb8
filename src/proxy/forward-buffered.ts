import { upstreamError } from './upstream-errors.ts';
import type { ForwardHeaders } from './sanitize-headers.ts';
import type { Upstream } from './upstreams.ts';

export interface BufferedForwardOptions {
  readonly method: string;
  /** Path and query as decided (origin-form). */
  readonly target: string;
  /** From sanitizeRequestHeaders() (the assertion included). */
  readonly headers: ForwardHeaders;
  readonly body: Buffer;
  /** Bytes of the answer kept; the rest is read and dropped (`truncated`). */
  readonly maxResponse: number;
}

export interface BufferedForwardResult {
  readonly status: number;
  readonly contentType: string | null;
  readonly body: Buffer;
  readonly truncated: boolean;
  readonly upstreamMs: number;
}

// eslint-disable-next-line no-control-regex
const UNSAFE_TARGET = /[\s\x00-\x1f\x7f]/;

/**
 * Sends one request to the environment's upstream pool and reads the answer into memory (bounded), for a
 * request that no client connection waits on: a held request performed when a person approves it. The body is
 * sent byte-identical with its Content-Length. Throws AIRLOCK_PROXY_UPSTREAM_UNAVAILABLE (502) or _TIMEOUT (504).
 */
export async function forwardBuffered(upstream: Upstream, opts: BufferedForwardOptions): Promise<BufferedForwardResult> {
  if (typeof opts.target !== 'string' || opts.target.charCodeAt(0) !== 0x2f || UNSAFE_TARGET.test(opts.target)) {
    throw new TypeError('target must be an origin-form path starting with "/" without whitespace or controls');
  }
  if (!Buffer.isBuffer(opts.body)) throw new TypeError('body must be a Buffer');
  const started = performance.now();
  const headers: ForwardHeaders = { ...opts.headers, 'content-length': String(opts.body.length) };
  let res;
  try {
    res = await upstream.pool.request({ method: opts.method as 'POST', path: opts.target, headers, body: opts.body.length > 0 || opts.method !== 'GET' ? opts.body : null });
  } catch (err) {
    throw upstreamError(err, upstream.name);
  }
  const upstreamMs = performance.now() - started;
  const chunks: Buffer[] = [];
  let kept = 0;
  let truncated = false;
  try {
    for await (const chunk of res.body as AsyncIterable<Buffer>) {
      const room = opts.maxResponse - kept;
      if (room <= 0) {
        truncated = true;
        continue;
      }
      const part = chunk.length > room ? chunk.subarray(0, room) : chunk;
      if (part.length < chunk.length) truncated = true;
      chunks.push(part);
      kept += part.length;
    }
  } catch (err) {
    throw upstreamError(err, upstream.name);
  }
  const ct = res.headers['content-type'];
  return { status: res.statusCode, contentType: typeof ct === 'string' ? ct : null, body: Buffer.concat(chunks, kept), truncated, upstreamMs };
}
