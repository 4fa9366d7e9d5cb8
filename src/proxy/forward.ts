import type { IncomingMessage, ServerResponse } from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import type { Dispatcher } from 'undici';
import { isAirlockError } from '../errors/index.ts';
import { ClientAborted, BadUpstreamResponse, DagFilterMissing } from './errors.ts';
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
  /** Sent to the client as X-Request-Id with the upstream's response headers. */
  readonly requestId?: string;
  /** The gateway's cookie names (lower-case): an upstream Set-Cookie for one of them is dropped. */
  readonly protectedCookies?: ReadonlySet<string>;
  /** An already-read body (the policy inspected it); forwarded byte-identical. Otherwise req is streamed. */
  readonly body?: Buffer;
  readonly signal?: AbortSignal;
  /**
   * A 2xx answer must carry this response header with this value (lower-case name), or it is not relayed:
   * AIRLOCK_PROXY_DAG_FILTER_MISSING (502). Used for DAG lists forwarded because Airflow filters them.
   */
  readonly requireHeader?: { readonly name: string; readonly value: string };
}

export interface ForwardResult {
  readonly status: number;
  /** Milliseconds from sending the request to the upstream's response headers. */
  readonly upstreamMs: number;
  /** False when the response body broke off after the headers were sent (the client socket was destroyed). */
  readonly complete: boolean;
  /** What broke the body, for the log (only when complete is false). */
  readonly error?: unknown;
  /** Gateway cookies the upstream tried to set (dropped), for the log. */
  readonly droppedCookies?: readonly string[];
}

function requestHasBody(req: IncomingMessage): boolean {
  if (req.headers['transfer-encoding'] !== undefined) return true;
  const cl = req.headers['content-length'];
  return cl !== undefined && cl !== '0';
}

/**
 * Forwards one request to the upstream pool and streams the response back. Before any response byte:
 * throws AIRLOCK_PROXY_UPSTREAM_UNAVAILABLE (502), _UPSTREAM_TIMEOUT (504), _BAD_UPSTREAM_RESPONSE (502)
 * or _CLIENT_ABORTED (499, the client left). After the headers were sent a failure destroys the client
 * socket and resolves with complete: false. A client that leaves aborts the upstream request.
 */
export function forwardRequest(req: IncomingMessage, res: ServerResponse, opts: ForwardOptions): Promise<ForwardResult> {
  const { upstream, target } = opts;
  if (typeof target !== 'string' || target.charCodeAt(0) !== 0x2f || UNSAFE_TARGET.test(target)) {
    throw new TypeError('target must be an origin-form path starting with "/" without whitespace or controls');
  }
  let headers: ForwardHeaders = opts.headers;
  let body: Buffer | IncomingMessage | null = null;
  if (opts.body !== undefined) {
    if (!Buffer.isBuffer(opts.body)) throw new TypeError('body must be a Buffer');
    body = opts.body;
    headers = { ...opts.headers, 'content-length': String(opts.body.length) };
  } else if (requestHasBody(req)) {
    body = req;
  }
  return new Promise((resolve, reject) => {
    const handler = new ForwardHandler(res, upstream.name, opts.requestId, opts.protectedCookies, resolve, reject, opts.requireHeader);
    if (opts.signal) {
      if (opts.signal.aborted) return handler.clientLeft();
      opts.signal.addEventListener('abort', () => handler.clientLeft(), { once: true });
    }
    upstream.pool.dispatch({ origin: upstream.origin, method: req.method ?? 'GET', path: target, headers, body }, handler);
  });
}

// eslint-disable-next-line no-control-regex
const UNSAFE_TARGET = /[\s\x00-\x1f\x7f]/;

/**
 * undici's dispatch() handler for one forwarded request: response headers are written to the client as
 * they arrive and body chunks are written straight to the client socket (pausing the upstream while the
 * client is slow). Lighter than request() + Readable.pipe on the hot path: no body stream object, no
 * abort signal; the controller's abort() serves when the client leaves.
 */
class ForwardHandler implements Dispatcher.DispatchHandler {
  readonly #res: ServerResponse;
  readonly #env: string;
  readonly #requestId: string | undefined;
  readonly #protect: ReadonlySet<string> | undefined;
  readonly #require: ForwardOptions['requireHeader'];
  #dropped: string[] | undefined;
  readonly #resolve: (r: ForwardResult) => void;
  readonly #reject: (err: unknown) => void;
  readonly #started = performance.now();
  #controller: Dispatcher.DispatchController | undefined;
  #upstreamMs = 0;
  #status = 0;
  #settled = false;
  #gone = false;
  /** The upstream's response is complete (only the client side may still be flushing). */
  #ended = false;
  #onClose = (): void => this.#closed();
  #onDrain: (() => void) | undefined;

  constructor(
    res: ServerResponse, env: string, requestId: string | undefined, protect: ReadonlySet<string> | undefined,
    resolve: (r: ForwardResult) => void, reject: (err: unknown) => void, require?: ForwardOptions['requireHeader'],
  ) {
    this.#res = res;
    this.#require = require;
    this.#env = env;
    this.#requestId = requestId;
    this.#protect = protect;
    this.#resolve = resolve;
    this.#reject = reject;
    res.once('close', this.#onClose);
  }

  onRequestStart(controller: Dispatcher.DispatchController): void {
    this.#controller = controller;
    if (this.#gone) controller.abort(ClientAborted.create());
  }

  onResponseStart(controller: Dispatcher.DispatchController, statusCode: number, headers: IncomingHttpHeaders): void {
    if (statusCode < 200) return; // 1xx informational: not relayed (Node answers 100-continue itself)
    this.#upstreamMs = performance.now() - this.#started;
    this.#status = statusCode;
    const req = this.#require;
    if (req !== undefined && statusCode < 300 && headers[req.name] !== req.value) {
      const got = headers[req.name];
      const e = DagFilterMissing.create({ logMessage: `environment "${this.#env}": ${statusCode} answer without "${req.name}: ${req.value}" (got ${got === undefined ? 'none' : JSON.stringify(got)}); withheld` });
      this.#fail(e);
      controller.abort(e);
      return;
    }
    try {
      const dropped = this.#protect !== undefined && headers['set-cookie'] !== undefined ? [] : undefined; // nothing allocated without Set-Cookie
      const out = filterResponseHeaders(headers, this.#protect, dropped);
      if (dropped !== undefined && dropped.length > 0) this.#dropped = dropped;
      // one object for writeHead (no setHeader before it): Node then writes the headers without re-validating each
      if (this.#requestId !== undefined) out['x-request-id'] = this.#requestId;
      this.#res.writeHead(statusCode, out);
    } catch (err) {
      const e = BadUpstreamResponse.create({ cause: err, logMessage: `environment "${this.#env}": response headers cannot be relayed` });
      this.#fail(e);
      controller.abort(e);
    }
  }

  onResponseData(controller: Dispatcher.DispatchController, chunk: Buffer): void {
    if (this.#settled) return;
    if (!this.#res.write(chunk)) {
      controller.pause();
      this.#onDrain ??= () => controller.resume();
      this.#res.once('drain', this.#onDrain);
    }
  }

  onResponseEnd(): void {
    this.#ended = true;
    if (!this.#settled) this.#res.end();
  }

  onResponseError(_controller: Dispatcher.DispatchController | undefined, err: Error): void {
    if (this.#settled) return;
    if (!this.#res.headersSent) {
      this.#fail(this.#gone ? ClientAborted.create({ cause: err }) : isAirlockError(err) ? err : upstreamError(err, this.#env));
      return;
    }
    // the response broke off after its headers: the client must not take a cut body for a whole one
    this.#settle();
    this.#res.destroy();
    this.#resolve({ status: this.#status, upstreamMs: this.#upstreamMs, complete: false, error: err });
  }

  /** The caller's signal fired (or the client connection closed) before the response finished. */
  clientLeft(): void {
    if (this.#gone) return;
    this.#gone = true;
    const c = this.#controller;
    if (c && !c.aborted && !this.#ended) c.abort(ClientAborted.create());
    else if (!c && !this.#res.headersSent) this.#fail(ClientAborted.create());
  }

  #closed(): void {
    if (this.#res.writableFinished) {
      if (!this.#settled) {
        this.#settle();
        this.#resolve({ status: this.#status, upstreamMs: this.#upstreamMs, complete: true, ...(this.#dropped ? { droppedCookies: this.#dropped } : {}) });
      }
      return;
    }
    this.clientLeft();
    if (!this.#settled && this.#res.headersSent) {
      this.#settle();
      this.#resolve({ status: this.#status, upstreamMs: this.#upstreamMs, complete: false, error: new Error('client connection closed before the response was sent') });
    }
  }

  #fail(err: unknown): void {
    if (this.#settled) return;
    this.#settle();
    this.#reject(err);
  }

  #settle(): void {
    this.#settled = true;
    this.#res.off('close', this.#onClose);
    if (this.#onDrain) this.#res.off('drain', this.#onDrain);
  }
}
