import assert from 'node:assert/strict';
import { connect } from 'node:net';
import { CookieJar, followRedirects, parseForms } from '../../support/login.ts';

/** The session cookie name on http://localhost (see src/session/cookie.ts). */
export const SESSION_COOKIE = 'airlock';

export interface PendingCallback {
  /** The URL the IdP redirected the browser to (the gateway's /.airlock/callback with code, state, iss). */
  readonly callbackUrl: URL;
  readonly jar: CookieJar;
}

/** Logs in at the IdP like loginThroughGateway but stops right before the browser would request /.airlock/callback. */
export async function loginUntilCallback(gatewayUrl: string, username: string, password: string, opts: { returnTo?: string; jar?: CookieJar } = {}): Promise<PendingCallback> {
  const jar = opts.jar ?? new CookieJar();
  const isCallback = (u: URL) => u.pathname === '/.airlock/callback';
  const first = await followRedirects(`${gatewayUrl}/.airlock/login?rd=${encodeURIComponent(opts.returnTo ?? '/')}`, { jar, stopBefore: isCallback });
  if (first.stoppedAt) return { callbackUrl: new URL(first.stoppedAt), jar };
  const page = await first.response.text();
  const form = parseForms(page, first.url).find((f) => f.fields.some((x) => x.type === 'password'));
  if (!form) throw new Error(`no login form at ${first.url} (status ${first.response.status})`);
  const body = new URLSearchParams();
  for (const f of form.fields) body.set(f.name, f.type === 'password' ? password : f.name === 'username' ? username : f.value);
  const done = await followRedirects(form.action, { jar, method: form.method, body, stopBefore: isCallback });
  if (!done.stoppedAt) throw new Error(`the IdP did not redirect to the callback (ended at ${done.url}, status ${done.response.status})`);
  return { callbackUrl: new URL(done.stoppedAt), jar };
}

/** Requests the callback with the jar's cookies (no redirect following); stores the response cookies. */
export async function requestCallback(url: URL | string, jar: CookieJar): Promise<Response> {
  const cookie = jar.header(url);
  const res = await fetch(url, { redirect: 'manual', headers: cookie ? { cookie } : {} });
  jar.store(url, res);
  return res;
}

/** The session cookie value a response sets (undefined when it sets none or clears it). */
export function sessionCookieSet(res: Response): string | undefined {
  for (const line of res.headers.getSetCookie()) {
    const m = new RegExp(`^${SESSION_COOKIE}=([^;]*)`).exec(line);
    if (m && m[1] && !/max-age=0/i.test(line)) return m[1];
  }
  return undefined;
}

/**
 * A refusal a person can understand: HTML, the expected 4xx/5xx status, the error code visible on the page,
 * no stack trace or source path, and no session cookie issued.
 */
export async function assertErrorPage(res: Response, status: number, code: string): Promise<string> {
  const body = await res.text();
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${body.slice(0, 400)}`);
  assert.match(res.headers.get('content-type') ?? '', /^text\/html/);
  assert.ok(body.includes(code), `the page names ${code}: ${body.slice(0, 600)}`);
  assertNoLeak(body);
  assert.equal(sessionCookieSet(res), undefined, 'no session cookie on a refusal');
  return body;
}

/** Asserts an error JSON body with the code, and no stack trace. */
export async function assertErrorJson(res: Response, status: number, code: string): Promise<Record<string, unknown>> {
  const text = await res.text();
  assert.equal(res.status, status, `expected ${status}, got ${res.status}: ${text.slice(0, 400)}`);
  assert.match(res.headers.get('content-type') ?? '', /^application\/json/);
  const body = JSON.parse(text) as Record<string, unknown>;
  assert.equal(body.error ?? body.code, code, text);
  assertNoLeak(text);
  return body;
}

export function assertNoLeak(text: string): void {
  assert.doesNotMatch(text, /\n\s+at [^\n]+[:(]\d+/, 'no stack trace');
  assert.doesNotMatch(text, /\/work\/|node_modules|\.ts:\d+/, 'no source paths');
  assert.doesNotMatch(text, /test-client-secret/, 'no secrets');
}

export interface RawResponse {
  readonly status: number;
  /** Lower-case names; repeated headers joined with ", " (set-cookie kept as an array). */
  readonly headers: Record<string, string | string[]>;
  readonly body: string;
}

/**
 * An HTTP/1.1 request written byte for byte on a fresh TCP connection, so header names reach the gateway
 * exactly as given (case, underscores and repeats kept; fetch would normalise or refuse some of them).
 */
export function rawRequest(url: string, opts: { method?: string; headers?: Array<[string, string]>; body?: string } = {}): Promise<RawResponse> {
  const u = new URL(url);
  const body = opts.body ?? '';
  const lines = [`${opts.method ?? 'GET'} ${u.pathname}${u.search} HTTP/1.1`, `Host: ${u.host}`, 'Connection: close'];
  for (const [name, value] of opts.headers ?? []) lines.push(`${name}: ${value}`);
  if (body) lines.push(`Content-Length: ${Buffer.byteLength(body)}`);
  return new Promise((resolve, reject) => {
    const sock = connect(Number(u.port), u.hostname);
    const chunks: Buffer[] = [];
    sock.on('connect', () => sock.write(`${lines.join('\r\n')}\r\n\r\n${body}`));
    sock.on('data', (c: Buffer) => chunks.push(c));
    sock.on('error', reject);
    sock.on('end', () => {
      try {
        resolve(parseResponse(Buffer.concat(chunks)));
      } catch (err) {
        reject(err);
      }
    });
  });
}

function parseResponse(raw: Buffer): RawResponse {
  const sep = raw.indexOf('\r\n\r\n');
  if (sep < 0) throw new Error(`incomplete HTTP response: ${raw.toString('latin1').slice(0, 200)}`);
  const [statusLine = '', ...headerLines] = raw.subarray(0, sep).toString('latin1').split('\r\n');
  const status = Number(/^HTTP\/1\.[01] (\d{3})/.exec(statusLine)?.[1]);
  const headers: Record<string, string | string[]> = {};
  for (const line of headerLines) {
    const i = line.indexOf(':');
    const name = line.slice(0, i).trim().toLowerCase();
    const value = line.slice(i + 1).trim();
    if (name === 'set-cookie') headers[name] = [...((headers[name] as string[] | undefined) ?? []), value];
    else headers[name] = headers[name] === undefined ? value : `${headers[name] as string}, ${value}`;
  }
  let rest = raw.subarray(sep + 4);
  if (String(headers['transfer-encoding'] ?? '').toLowerCase() === 'chunked') {
    const parts: Buffer[] = [];
    for (;;) {
      const eol = rest.indexOf('\r\n');
      const size = parseInt(rest.subarray(0, eol).toString('latin1'), 16);
      if (!size) break;
      parts.push(rest.subarray(eol + 2, eol + 2 + size));
      rest = rest.subarray(eol + 2 + size + 2);
    }
    rest = Buffer.concat(parts);
  }
  return { status, headers, body: rest.toString('utf8') };
}
