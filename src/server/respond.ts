import type { ServerResponse } from 'node:http';
import { AirlockError } from '../errors/index.ts';
import { errorPage } from './pages/error-page.ts';

/** The CSP of every page the gateway writes (a page with the sign-out form widens form-action: sign-out-page.ts). */
export const PAGE_CSP = "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:; form-action 'self'; frame-ancestors 'none'; base-uri 'none'";

const SECURITY_HEADERS: Record<string, string> = {
  'cache-control': 'no-store',
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  // same-origin, not no-referrer: a page's own form posts then carry its real Origin (no-referrer makes browsers
  // send "Origin: null"), while nothing of a gateway URL (rd=, a callback's code) ever goes to another site
  'referrer-policy': 'same-origin',
  'content-security-policy': PAGE_CSP,
};

export function sendHtml(res: ServerResponse, status: number, html: string, headers: Record<string, string | string[]> = {}): void {
  if (res.headersSent) return void res.destroy();
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'text/html; charset=utf-8', 'content-length': Buffer.byteLength(html), ...headers });
  res.end(html);
}

export function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string | string[]> = {}): void {
  if (res.headersSent) return void res.destroy();
  const text = JSON.stringify(body);
  res.writeHead(status, { ...SECURITY_HEADERS, 'content-type': 'application/json; charset=utf-8', 'content-length': Buffer.byteLength(text), ...headers });
  res.end(text);
}

export function redirect(res: ServerResponse, location: string, headers: Record<string, string | string[]> = {}, status = 302): void {
  res.writeHead(status, { ...SECURITY_HEADERS, location, 'content-length': 0, ...headers });
  res.end();
}

/** Sends an AirlockError as JSON (API clients) or as a page that says what to do next (people). */
export function sendError(res: ServerResponse, err: AirlockError, opts: { api: boolean; requestId: string; next?: { href: string; label: string }; headers?: Record<string, string | string[]> }): void {
  if (opts.api) {
    sendJson(res, err.status, { ...err.toJSON(), request_id: opts.requestId }, opts.headers);
  } else {
    sendHtml(res, err.status, errorPage({ status: err.status, code: err.code, message: err.publicMessage, requestId: opts.requestId, ...(opts.next ? { next: opts.next } : {}) }), opts.headers);
  }
}
