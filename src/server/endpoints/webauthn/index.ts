import type { Endpoint } from '../index.ts';
import { browserScript, pageScript } from './assets.ts';
import { authenticateOptions, authenticateVerify } from './authenticate.ts';
import { removeKey, renameKey } from './keys.ts';
import { enrollPageEndpoint, keysPageEndpoint, passwordlessPageEndpoint, stepUpPageEndpoint, verifyPageEndpoint } from './pages.ts';
import { passwordlessOptions, passwordlessVerify } from './passwordless.ts';
import { registerOptions, registerVerify } from './register.ts';

/** Every /.airlock/webauthn/ endpoint (pages are GET, ceremonies are same-origin JSON POSTs). */
export const WEBAUTHN_ROUTES: Record<string, Partial<Record<string, Endpoint>>> = {
  '/.airlock/webauthn/browser.js': { GET: browserScript },
  '/.airlock/webauthn/page.js': { GET: pageScript },
  '/.airlock/webauthn/verify': { GET: verifyPageEndpoint },
  '/.airlock/webauthn/enroll': { GET: enrollPageEndpoint },
  '/.airlock/webauthn/step-up': { GET: stepUpPageEndpoint },
  '/.airlock/webauthn/keys': { GET: keysPageEndpoint },
  '/.airlock/webauthn/passwordless': { GET: passwordlessPageEndpoint },
  '/.airlock/webauthn/register/options': { POST: registerOptions },
  '/.airlock/webauthn/register/verify': { POST: registerVerify },
  '/.airlock/webauthn/authenticate/options': { POST: authenticateOptions },
  '/.airlock/webauthn/authenticate/verify': { POST: authenticateVerify },
  '/.airlock/webauthn/keys/rename': { POST: renameKey },
  '/.airlock/webauthn/keys/remove': { POST: removeKey },
  '/.airlock/webauthn/passwordless/options': { POST: passwordlessOptions },
  '/.airlock/webauthn/passwordless/verify': { POST: passwordlessVerify },
};
