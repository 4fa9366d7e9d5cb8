import type { IncomingMessage, ServerResponse } from 'node:http';
import { BROWSER_BUNDLE } from '../../../webauthn/index.ts';
import { WEBAUTHN_PAGE_SCRIPT } from '../../pages/webauthn-script.ts';

function sendScript(res: ServerResponse, text: string): void {
  res.writeHead(200, {
    'content-type': 'text/javascript; charset=utf-8',
    'content-length': Buffer.byteLength(text),
    'cache-control': 'public, max-age=3600',
    'x-content-type-options': 'nosniff',
    'cross-origin-resource-policy': 'same-origin',
  });
  res.end(text);
}

/** GET /.airlock/webauthn/browser.js — @simplewebauthn/browser, bundled from node_modules (no CDN). */
export function browserScript(_req: IncomingMessage, res: ServerResponse): void {
  sendScript(res, BROWSER_BUNDLE);
}

/** GET /.airlock/webauthn/page.js — the pages' own script. */
export function pageScript(_req: IncomingMessage, res: ServerResponse): void {
  sendScript(res, WEBAUTHN_PAGE_SCRIPT);
}
