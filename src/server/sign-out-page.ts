import { PAGE_CSP } from './respond.ts';
import type { Runtime } from './runtime.ts';

/**
 * Headers of a page that carries the sign-out form (GET /.airlock/logout, the forbidden page). Its POST answers 303
 * to the IdP's end_session_endpoint, and browsers check CSP form-action on the redirects of a form submission too:
 * with form-action 'self' alone Chromium stops at the redirect and the person sees nothing happen. So form-action
 * also admits the end_session_endpoint's origin (and nothing else) while the IdP has one.
 */
export function signOutPageHeaders(rt: Runtime): Record<string, string> {
  const end = rt.rp.endSessionUrl(undefined, `${rt.publicUrl}/.airlock/logged-out`);
  if (end === undefined) return {};
  const origin = new URL(end).origin;
  if (origin === rt.publicOrigin) return {};
  return { 'content-security-policy': PAGE_CSP.replace("form-action 'self'", `form-action 'self' ${origin}`) };
}
