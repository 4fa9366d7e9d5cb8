import type { Runtime } from '../runtime.ts';

/** The short-lived cookie that binds a login flow to the browser that started it. */
export function loginCookie(rt: Runtime, value: string, maxAgeSeconds: number): string {
  const attrs = [`${rt.loginCookieName}=${value}`, 'Path=/', 'HttpOnly', 'SameSite=Lax', `Max-Age=${maxAgeSeconds}`];
  if (rt.cookie.secure) attrs.push('Secure');
  return attrs.join('; ');
}

export function readLoginCookie(rt: Runtime, header: string | undefined): string | undefined {
  if (!header) return undefined;
  let found: string | undefined;
  for (const part of header.split(';')) {
    const i = part.indexOf('=');
    if (i < 0 || part.slice(0, i).trim() !== rt.loginCookieName) continue;
    if (found !== undefined) return undefined; // the same cookie twice: refuse (cookie tossing)
    found = part.slice(i + 1).trim();
  }
  return found && /^[A-Za-z0-9_-]{43}$/.test(found) ? found : undefined;
}
