import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

/**
 * The @simplewebauthn/browser UMD bundle (global `SimpleWebAuthnBrowser`), read from node_modules once at
 * start and served by the gateway itself: no CDN.
 */
function readBundle(): string {
  const require = createRequire(import.meta.url);
  const entry = require.resolve('@simplewebauthn/browser'); // <pkg>/script/index.js
  const file = join(dirname(dirname(entry)), 'dist', 'bundle', 'index.umd.min.js');
  const text = readFileSync(file, 'utf8');
  if (!text.includes('SimpleWebAuthnBrowser')) throw new Error(`${file} is not the @simplewebauthn/browser UMD bundle`);
  return text;
}

export const BROWSER_BUNDLE: string = readBundle();
