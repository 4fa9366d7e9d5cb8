/**
 * The Airflow 2 stand-in's Flask UI: every url_map rule of a real 2.10.5 webserver (flask-ui.json, made by
 * scripts/build-standin-routes.ts), answered the way Airflow answers the caller's roles (ui-behaviour.md):
 * allowed -> 200 page; a FAB model view without permission -> 302 to /login/?next=<absolute URL> (its /api*
 * endpoints: 403 JSON, FAB's has_access_api); a FAB list action without permission -> 302 back to the view; an
 * Airflow has_access_* view without permission -> 302 to /home when the role can read Website, else 403.
 * Rules "not in base_permissions" are refused like that to everyone, Admin included.
 */
import { readFileSync } from 'node:fs';
import { escapeHtml } from '../idp/pages.ts';
import type { FlaskUiFile, FlaskUiRule, NavbarLink } from './flask-ui-data.ts';

export function loadFlaskUiFile(): FlaskUiFile {
  return JSON.parse(readFileSync(new URL('./flask-ui.json', import.meta.url), 'utf8')) as FlaskUiFile;
}

export interface UiAnswer {
  readonly status: number;
  readonly headers: Record<string, string>;
  readonly text: string;
}

interface Compiled {
  readonly rule: FlaskUiRule;
  readonly regex: RegExp;
  readonly names: readonly string[];
  readonly order: readonly number[];
}

const DENIED = ' (not in base_permissions: denied)';

/** Werkzeug converters: default/string one segment, int digits, path the rest (not starting with "/"). */
function compile(rule: FlaskUiRule): Compiled {
  const names: string[] = [];
  let literal = 0;
  let hasPath = 0;
  const src = rule.rule.replace(/<(?:(\w+):)?(\w+)>|([^<]+)/g, (_, conv: string | undefined, name: string | undefined, text: string | undefined) => {
    if (text !== undefined) {
      literal += text.length;
      return text.replace(/[.*+?^${}()|[\]\\]/g, (c) => `\\${c}`);
    }
    names.push(name!);
    if (conv === 'path') {
      hasPath = 1;
      return '([^/].*?)';
    }
    return conv === 'int' ? '(\\d+)' : '([^/]+)';
  });
  // Werkzeug tries rules without converters first, then by weight: a path converter last, more literal text first.
  return { rule, regex: new RegExp(`^${src}$`), names, order: [names.length ? 1 : 0, hasPath, -literal] };
}

function byOrder(a: Compiled, b: Compiled): number {
  for (let i = 0; i < a.order.length; i++) if (a.order[i] !== b.order[i]) return a.order[i]! - b.order[i]!;
  return 0;
}

/** The form field `name` of a urlencoded or multipart body (Werkzeug's request.form[name], first value). */
async function formField(contentType: string | undefined, body: Buffer, name: string): Promise<string | undefined> {
  const type = (contentType ?? '').split(';', 1)[0]!.trim().toLowerCase();
  if (type === 'application/x-www-form-urlencoded') return new URLSearchParams(body.toString('utf8')).get(name) ?? undefined;
  if (type === 'multipart/form-data') {
    try {
      const v = (await new Response(new Uint8Array(body), { headers: { 'content-type': contentType! } }).formData()).get(name);
      return typeof v === 'string' ? v : undefined;
    } catch {
      return undefined;
    }
  }
  return undefined;
}

export interface UiRequest {
  readonly method: string;
  /** Path as Airflow routes it (percent-decoded once, base path removed). */
  readonly path: string;
  readonly query: URLSearchParams;
  /** The absolute URL Flask sees (request.url), for login redirects. */
  readonly url: string;
  readonly contentType: string | undefined;
  readonly body: Buffer;
  /** The caller's Airflow roles; undefined = unknown (no enforcement, as before this table existed). */
  readonly roles: readonly string[] | undefined;
}

export class FlaskUi {
  readonly #rules: Compiled[];
  readonly #roles: Map<string, ReadonlySet<string>>;
  readonly navbarLinks: readonly NavbarLink[];

  constructor(file: FlaskUiFile) {
    this.#rules = file.rules.map(compile).sort(byOrder);
    this.#roles = new Map(Object.entries(file.roles).map(([r, p]) => [r, new Set(p)]));
    this.navbarLinks = file.navbar;
  }

  /** Permission strings ("can_read DAGs") of a set of roles; roles the DB does not know add nothing. */
  permissions(roles: readonly string[]): Set<string> {
    const out = new Set<string>();
    for (const r of roles) for (const p of this.#roles.get(r) ?? []) out.add(p);
    return out;
  }

  match(method: string, path: string): { rule: FlaskUiRule; params: Record<string, string> } | { allowed: string[] } | undefined {
    const want = method === 'HEAD' ? 'GET' : method;
    const allowed = new Set<string>();
    for (const c of this.#rules) {
      const m = c.regex.exec(path);
      if (!m) continue;
      if (!c.rule.methods.includes(want)) {
        for (const x of c.rule.methods) allowed.add(x);
        continue;
      }
      const params: Record<string, string> = {};
      c.names.forEach((n, i) => (params[n] = m[i + 1]!));
      return { rule: c.rule, params };
    }
    return allowed.size ? { allowed: [...allowed] } : undefined;
  }

  /** FAB's answer for the rule, or undefined when the path is no Flask UI rule (the caller answers 404). */
  async answer(req: UiRequest): Promise<UiAnswer | undefined> {
    const m = this.match(req.method, req.path);
    if (!m) {
      // Werkzeug's strict_slashes: "/users/list" redirects to the rule "/users/list/"
      const slash = req.path.endsWith('/') ? undefined : this.match(req.method, `${req.path}/`);
      if (slash && 'rule' in slash) return { status: 308, headers: { location: `${req.path}/${req.query.size ? `?${req.query}` : ''}` }, text: '' };
      return undefined;
    }
    if (!('rule' in m)) return { status: 405, headers: { allow: m.allowed.join(', '), 'content-type': 'text/html; charset=utf-8' }, text: page('405 Method Not Allowed', 'The method is not allowed for the requested URL.') };
    const { rule, params } = m;
    if (req.roles === undefined || (await this.allows(rule, params, req, this.permissions(req.roles)))) {
      return { status: 200, headers: { 'content-type': 'text/html; charset=utf-8' }, text: page(rule.endpoint, `${req.method} ${escapeHtml(req.path)}: allowed (${escapeHtml(rule.fab)})`) };
    }
    return this.refusal(rule, req, this.permissions(req.roles));
  }

  async allows(rule: FlaskUiRule, params: Record<string, string>, req: UiRequest, perms: ReadonlySet<string>): Promise<boolean> {
    const fab = rule.fab;
    if (fab === '-') return true;
    if (fab.endsWith(DENIED)) return false;
    const dagId = params.dag_id ?? req.query.get('dag_id') ?? (await formField(req.contentType, req.body, 'dag_id'));
    const per = /^per-action\{(.*)\}$/.exec(fab);
    if (per) {
      const name = rule.endpoint.endsWith('.action_post') ? await formField(req.contentType, req.body, 'action') : params.name;
      const entry = (per[1] ? per[1].split('; ') : []).find((e) => e.split('=')[0] === name);
      return entry !== undefined && holds(entry.slice(entry.indexOf('=') + 1), perms, dagId);
    }
    return holds(fab, perms, dagId);
  }

  refusal(rule: FlaskUiRule, req: UiRequest, perms: ReadonlySet<string>): UiAnswer {
    const fn = rule.endpoint.split('.').pop()!;
    if (rule.how === 'model_view') {
      if (fn.startsWith('api')) return { status: 403, headers: { 'content-type': 'application/json' }, text: JSON.stringify({ message: 'Access is Denied', severity: 'danger' }) };
      if (fn === 'action' || fn === 'action_post') return { status: 302, headers: { location: '.' }, text: '' };
      return { status: 302, headers: { location: `/login/?next=${encodeURIComponent(req.url)}` }, text: '' };
    }
    if (perms.has('can_read Website')) return { status: 302, headers: { location: '/home' }, text: '' };
    return { status: 403, headers: { 'content-type': 'text/html; charset=utf-8' }, text: page('Access is Denied', 'Your user has no roles and/or permissions!') };
  }

  /** The navbar a role set sees: FAB shows an item with menu_access on it and on its category. */
  navbar(roles: readonly string[] | undefined): NavbarLink[] {
    const perms = roles === undefined ? undefined : this.permissions(roles);
    const shows = (r: string | null) => r === null || perms === undefined || perms.has(`menu_access ${r}`);
    return this.navbarLinks.filter((l) => shows(l.access) && shows(l.category));
  }
}

/** A conjunction (" & ") of alternatives ("|"); a "DAG:<dag_id>" alternative needs the permission on that DAG. */
function holds(expr: string, perms: ReadonlySet<string>, dagId: string | undefined): boolean {
  return expr.split(' & ').every((conj) => conj.split('|').some((alt) => (alt.includes('<dag_id>') ? dagId !== undefined && perms.has(alt.replace('<dag_id>', dagId)) : perms.has(alt))));
}

function page(title: string, text: string): string {
  return `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>${escapeHtml(title)}</title></head><body><h1>${escapeHtml(title)}</h1><p>${text}</p></body></html>`;
}

/** The navbar's HTML: one link per item the roles see, in Airflow's menu order (under Airflow's base path). */
export function navbarHtml(links: readonly NavbarLink[], basePath = ''): string {
  const items = links.map((l) => `<li data-menu="${escapeHtml(l.menu)}"><a class="nav-link" href="${escapeHtml(basePath + l.url)}">${escapeHtml(l.label)}</a></li>`).join('');
  return `<nav id="navbar"><ul>${items}</ul></nav>`;
}

/** The caller's Airflow roles: the verified assertion's `roles`, else (no verification) X-Airlock-Roles, else unknown. */
export function callerRoles(claims: Record<string, unknown> | undefined, rolesHeader: string | undefined): string[] | undefined {
  if (claims) return Array.isArray(claims.roles) ? claims.roles.map(String) : [];
  if (rolesHeader !== undefined) return rolesHeader.split(',').map((r) => r.trim()).filter(Boolean);
  return undefined;
}

/** The path as gunicorn hands it to Werkzeug: percent-decoded once (an undecodable one stays as sent). */
export function routedPath(rawPath: string): string {
  try {
    return decodeURIComponent(rawPath);
  } catch {
    return rawPath;
  }
}
