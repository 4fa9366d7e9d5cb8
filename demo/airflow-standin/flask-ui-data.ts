/**
 * Builds flask-ui.json: what the Airflow 2 stand-in needs to answer the Flask UI like a real 2.10.5 webserver,
 * from ../shared/airflow/airflow-2.10.5 (the url_map rules with their FAB permission, the default roles'
 * permissions, the navbar table of ui-behaviour.md (b)). Run by scripts/build-standin-routes.ts.
 */
import { createHash } from 'node:crypto';
import { effectiveFab, parseFlaskRoutesTsv, parseRolePermissionsTsv } from '../../src/policy/catalogue/flask-tsv.ts';
import type { RoutesFile } from './route-types.ts';

export const FLASK_UI_SOURCES = ['airflow-2.10.5/flask-routes.tsv', 'airflow-2.10.5/default-role-permissions.tsv', 'airflow-2.10.5/ui-behaviour.md'] as const;

export interface FlaskUiRule {
  /** Werkzeug rule, converters kept: "/dags/<string:dag_id>/grid". */
  readonly rule: string;
  readonly methods: readonly string[];
  readonly endpoint: string;
  readonly how: 'model_view' | 'decorator' | 'decorator_delegated' | 'none';
  /** The permission as real Airflow checks it (flask-routes.tsv syntax, request-dependent ones corrected). */
  readonly fab: string;
}

export interface NavbarLink {
  /** "top", "Security", "Browse", "Admin", "Docs", "user menu". */
  readonly menu: string;
  readonly label: string;
  readonly url: string;
  /** The FAB menu_access resource that shows the item; null: shown to everyone signed in. */
  readonly access: string | null;
  /** The menu_access the category needs; null for top-level and user-menu items. */
  readonly category: string | null;
}

export interface FlaskUiFile {
  /** sha256 of each source, by path under ../shared/airflow. */
  readonly sources: Record<string, string>;
  readonly rules: readonly FlaskUiRule[];
  /** role -> "action resource" strings from the metadata DB. */
  readonly roles: Record<string, string[]>;
  readonly navbar: readonly NavbarLink[];
}

/** Navbar labels whose FAB menu item has another name. */
const MENU_NAME: Readonly<Record<string, string>> = {
  Permissions: 'Permission Pairs',
  'REST API Reference (Swagger UI)': 'Documentation',
  'REST API Reference (Redoc)': 'Documentation',
};

/** Checks a view makes in its body, as the reference README records them (the API's reparse needs DAG edit). */
const IN_BODY_CHECKS: Readonly<Record<string, string>> = { 'Airflow.parse_dag': 'can_edit DAGs|can_edit DAG:<dag_id>' };

/** The navbar table of ui-behaviour.md (b): internal links only; "a / b" items split. */
export function navbarFromUiBehaviour(md: string): NavbarLink[] {
  const start = md.indexOf('## (b)');
  const end = md.indexOf('\n## ', start + 1);
  if (start < 0) throw new TypeError('ui-behaviour.md: no section (b)');
  const out: NavbarLink[] = [];
  for (const line of md.slice(start, end < 0 ? undefined : end).split('\n')) {
    const cols = line.split('|').map((c) => c.trim());
    if (cols.length < 5 || cols[1] === 'menu' || /^-+$/.test(cols[1]!)) continue;
    const [, menu, item, url] = cols as [string, string, string, string];
    const urls = url.split(',').map((u) => u.trim());
    if (!urls.every((u) => u.startsWith('/'))) continue; // external links (airflow.apache.org, github.com)
    const labels = urls.length > 1 ? item.split(' / ').map((l, i, all) => (i === 0 ? l : `${all[0]!.replace(/\s*\(.*$/, '')} ${l}`)) : [item];
    if (labels.length !== urls.length) throw new TypeError(`ui-behaviour.md: cannot pair "${item}" with "${url}"`);
    urls.forEach((u, i) => {
      const label = labels[i]!;
      const userMenu = menu === 'user menu';
      out.push({ menu, label, url: u, access: userMenu ? null : (MENU_NAME[label] ?? label), category: menu === 'top' || userMenu ? null : menu });
    });
  }
  return out;
}

/** flask-ui.json from the reference files (read by path under ../shared/airflow) and the committed routes.json. */
export function buildFlaskUiFile(read: (file: string) => string, api: RoutesFile): FlaskUiFile {
  const sources: Record<string, string> = {};
  for (const f of FLASK_UI_SOURCES) sources[f] = createHash('sha256').update(read(f)).digest('hex');
  // /api/v1 and /auth/fab/v1 operations are answered from routes.json; the rest of the url_map here
  const apiKeys = new Set(api.routes.filter((r) => r.api === 'v1' || r.api === 'fab').map((r) => `${r.method} ${r.path}`));
  const rules: FlaskUiRule[] = [];
  for (const row of parseFlaskRoutesTsv(read(FLASK_UI_SOURCES[0]))) {
    const template = row.rule.replace(/<(?:\w+:)?(\w+)>/g, '{$1}');
    const methods = row.methods.filter((m) => !apiKeys.has(`${m} ${template}`));
    if (methods.length === 0) continue;
    rules.push({ rule: row.rule, methods, endpoint: row.endpoint, how: row.how, fab: IN_BODY_CHECKS[row.endpoint] ?? effectiveFab(row) });
  }
  const roles: Record<string, string[]> = { Public: [] };
  for (const [role, perms] of parseRolePermissionsTsv(read(FLASK_UI_SOURCES[1]))) roles[role] = perms.map(([a, r]) => `${a} ${r}`);
  const navbar = navbarFromUiBehaviour(read(FLASK_UI_SOURCES[2]));
  const admin = new Set(roles.Admin);
  for (const l of navbar) {
    for (const need of [l.access, l.category]) if (need !== null && !admin.has(`menu_access ${need}`)) throw new TypeError(`navbar ${l.label}: Admin has no menu_access ${need}`);
  }
  return { sources, rules, roles, navbar };
}
