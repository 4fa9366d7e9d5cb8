import { CookieJar } from './cookie-jar.ts';

export interface FollowOptions {
  jar: CookieJar;
  /** Method of the first request (default GET). */
  method?: string;
  /** Body of the first request. */
  body?: string | URLSearchParams;
  /** Extra headers for every request (the Cookie header comes from the jar). */
  headers?: Record<string, string>;
  /** Stop before requesting a URL for which this returns true (the URL is returned as `stoppedAt`). */
  stopBefore?: (next: URL) => boolean;
  /** Default 20. */
  maxRedirects?: number;
}

export interface FollowResult {
  /** The last response received (a redirect response when stopped by stopBefore). */
  response: Response;
  /** The URL that gave `response`. */
  url: string;
  /** The redirect target that was not requested because stopBefore said so. */
  stoppedAt?: string;
  /** Every URL requested, in order. */
  visited: string[];
}

const REDIRECTS = new Set([301, 302, 303, 307, 308]);

/**
 * Requests `start` and follows redirects the way a browser does (303 -> GET; 301/302 after POST -> GET;
 * 307/308 keep method and body), with cookies from and into `jar`. Bodies of redirect responses are drained.
 */
export async function followRedirects(start: string | URL, opts: FollowOptions): Promise<FollowResult> {
  const max = opts.maxRedirects ?? 20;
  const visited: string[] = [];
  let url = new URL(start);
  let method = (opts.method ?? 'GET').toUpperCase();
  let body: string | URLSearchParams | undefined = opts.body;
  for (let hop = 0; ; hop++) {
    const headers: Record<string, string> = { ...(opts.headers ?? {}) };
    const cookie = opts.jar.header(url);
    if (cookie) headers.cookie = cookie;
    if (body instanceof URLSearchParams) headers['content-type'] = 'application/x-www-form-urlencoded';
    visited.push(url.href);
    const response = await fetch(url, { method, headers, redirect: 'manual', ...(body === undefined ? {} : { body: String(body) }) });
    opts.jar.store(url, response);
    const location = response.headers.get('location');
    if (!REDIRECTS.has(response.status) || location === null) return { response, url: url.href, visited };
    const next = new URL(location, url);
    if (opts.stopBefore?.(next)) return { response, url: url.href, stoppedAt: next.href, visited };
    await response.arrayBuffer();
    if (hop >= max) throw new Error(`followRedirects: more than ${max} redirects from ${start}`);
    if (response.status === 303 || ((response.status === 301 || response.status === 302) && method === 'POST')) {
      method = 'GET';
      body = undefined;
    }
    url = next;
  }
}
