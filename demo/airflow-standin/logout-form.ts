import { randomBytes, timingSafeEqual } from 'node:crypto';
import { escapeHtml } from '../idp/pages.ts';

/**
 * Airflow's own "Log Out", as the real UI has it (shared/airflow/airflow-2.10.5/ui-behaviour.md (a)): Airflow 2.10's
 * navbar user menu is a form POSTing to /logout/ with the page's csrf_token; Airflow 3's UI opens
 * /api/v2/auth/logout. Behind Airlock the gateway answers both itself (src/server/airflow-logout.ts), so what this
 * stand-in answers on /logout/ is only what Airflow would answer to a request that got past it.
 */
export class StandinLogout {
  /** Airflow's CSRF token of this stand-in's pages (one per process, like a session's token). */
  readonly csrfToken = randomBytes(20).toString('hex');

  constructor(
    readonly airflow: 2 | 3,
    /** Airflow's base_url path ("" or e.g. "/dev"): the form's action is under it, as Flask's url_for makes it. */
    readonly basePath = '',
  ) {}

  /** The navbar's sign-out control. */
  form(): string {
    if (this.airflow === 3) return `<a class="logout" href="${escapeHtml(`${this.basePath}/api/v2/auth/logout`)}">Log out</a>`;
    return `<form class="logout" method="POST" action="${escapeHtml(`${this.basePath}/logout/`)}"><input type="hidden" name="csrf_token" value="${this.csrfToken}"><button type="submit">Log Out</button></form>`;
  }

  /**
   * Airflow 2.10's answer on /logout/ (path within base_url): GET 405; POST without the page's csrf_token 400
   * ("CSRF token is missing"); POST with it 302 to /. Undefined for any other request.
   */
  answer(method: string, path: string, body: Buffer): { status: number; headers: Record<string, string>; text: string } | undefined {
    if (this.airflow !== 2 || path !== '/logout/') return undefined;
    if (method !== 'POST') return { status: 405, headers: { allow: 'POST', 'content-type': 'text/html; charset=utf-8' }, text: '<h1>Method Not Allowed</h1>' };
    const sent = new URLSearchParams(body.toString('utf8')).get('csrf_token') ?? '';
    const ok = sent.length === this.csrfToken.length && timingSafeEqual(Buffer.from(sent), Buffer.from(this.csrfToken));
    if (!ok) return { status: 400, headers: { 'content-type': 'text/html; charset=utf-8' }, text: '<h1>Bad Request</h1><p>The CSRF token is missing.</p>' };
    return { status: 302, headers: { location: `${this.basePath}/` }, text: '' };
  }
}
