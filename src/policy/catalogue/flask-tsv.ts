/**
 * Readers for the data taken from a running Airflow 2.10.5 webserver (../shared/airflow/airflow-2.10.5):
 * flask-routes.tsv (every url_map rule with the FAB permission it needs) and default-role-permissions.tsv (the
 * default roles' permission tuples from the metadata DB). Pure: nothing here reads files.
 */
import type { Permission } from './types.ts';

export const FLASK_TSV = 'airflow-2.10.5/flask-routes.tsv';
export const ROLES_TSV = 'airflow-2.10.5/default-role-permissions.tsv';

export interface FlaskRow {
  /** Werkzeug rule, e.g. "/dags/<string:dag_id>/grid". */
  readonly rule: string;
  readonly methods: readonly string[];
  /** "Airflow.grid", "DagRunModelView.list", "/api/v1.airflow_api_..." */
  readonly endpoint: string;
  readonly viewClass: string;
  /** The recorded permission: "-", "can_x R|can_x R:<dag_id> & ...", "... (not in base_permissions: denied)", "per-action{...}". */
  readonly fab: string;
  readonly how: 'model_view' | 'decorator' | 'decorator_delegated' | 'none';
}

const HOWS = new Set(['model_view', 'decorator', 'decorator_delegated', 'none']);

function rows(text: string, header: string, file: string): string[][] {
  const lines = text.split('\n').filter((l) => l !== '');
  if (lines[0] !== header) throw new TypeError(`${file}: unexpected header ${JSON.stringify(lines[0])}`);
  return lines.slice(1).map((l, i) => {
    const cols = l.split('\t');
    if (cols.length !== header.split('\t').length) throw new TypeError(`${file}: line ${i + 2} has ${cols.length} columns`);
    return cols;
  });
}

export function parseFlaskRoutesTsv(text: string): FlaskRow[] {
  return rows(text, 'rule\tmethods\tendpoint\tview_class\tfab_permission\thow', 'flask-routes.tsv').map(([rule, methods, endpoint, viewClass, fab, how]) => {
    if (!HOWS.has(how!)) throw new TypeError(`flask-routes.tsv: ${rule}: unknown how "${how}"`);
    return { rule: rule!, methods: methods!.split(','), endpoint: endpoint!, viewClass: viewClass!, fab: fab!, how: how as FlaskRow['how'] };
  });
}

/** role -> permission tuples, in file order. */
export function parseRolePermissionsTsv(text: string): Map<string, Permission[]> {
  const out = new Map<string, Permission[]>();
  for (const [role, action, resource] of rows(text, 'role\taction\tresource', 'default-role-permissions.tsv')) {
    const list = out.get(role!) ?? [];
    list.push([action!, resource!]);
    out.set(role!, list);
  }
  return out;
}

/** Werkzeug rule -> catalogue template: <path:x> -> {x:path}; <x>, <string:x>, <int:x> -> {x}. */
export function ruleTemplate(rule: string): string {
  return rule.replace(/<(?:([a-z]+):)?(\w+)>/g, (_, conv: string | undefined, name: string) => {
    if (conv === 'path') return `{${name}:path}`;
    if (conv === undefined || conv === 'string' || conv === 'int') return `{${name}}`;
    throw new TypeError(`rule ${rule}: converter ${conv} is not supported`);
  });
}

export const DENIED_SUFFIX = ' (not in base_permissions: denied)';

/** One alternative of a conjunct: [action, resource], resource possibly "DAG:<dag_id>" / "DAG Run:<dag_id>". */
export type FabAlternative = Permission;
/** All conjuncts must hold; a conjunct holds when one alternative does. */
export type FabExpression = FabAlternative[][];

/** "can_read DAGs|can_read DAG:<dag_id> & can_read Task Logs" -> [[[can_read, DAGs], [can_read, DAG:<dag_id>]], [[can_read, Task Logs]]]. */
export function parseFabExpression(text: string): FabExpression {
  return text.split(' & ').map((conj) =>
    conj.split('|').map((alt) => {
      const m = /^(can_[a-z_]+|menu_access) (\S.*)$/.exec(alt);
      if (!m) throw new TypeError(`cannot parse FAB permission "${alt}" in "${text}"`);
      return [m[1]!, m[2]!] as const;
    }),
  );
}

export type FabPermission =
  | { readonly kind: 'none' }
  | { readonly kind: 'expr'; readonly expr: FabExpression }
  | { readonly kind: 'denied'; readonly permission: Permission }
  | { readonly kind: 'per-action'; readonly actions: ReadonlyMap<string, FabExpression> };

/** Parses the fab_permission column. */
export function parseFabPermission(text: string): FabPermission {
  if (text === '-') return { kind: 'none' };
  if (text.endsWith(DENIED_SUFFIX)) {
    const expr = parseFabExpression(text.slice(0, -DENIED_SUFFIX.length));
    if (expr.length !== 1 || expr[0]!.length !== 1) throw new TypeError(`denied permission is not one tuple: "${text}"`);
    return { kind: 'denied', permission: expr[0]![0]! };
  }
  const per = /^per-action\{(.*)\}$/.exec(text);
  if (per) {
    const actions = new Map<string, FabExpression>();
    for (const entry of per[1] ? per[1].split('; ') : []) {
      const eq = entry.indexOf('=');
      const name = entry.slice(0, eq);
      if (eq < 1 || !/^\w+$/.test(name) || actions.has(name)) throw new TypeError(`bad per-action entry "${entry}"`);
      actions.set(name, parseFabExpression(entry.slice(eq + 1)));
    }
    return { kind: 'per-action', actions };
  }
  return { kind: 'expr', expr: parseFabExpression(text) };
}

/**
 * Permissions that the recording could not see because FAB computes them per request: the FAB provider's
 * CustomUserDBModelView (MultiResourceUserMixin) maps `class_permission_name` by endpoint and action name
 * (class_permission_name_mapping): "userinfo" and the "userinfoedit" action check "My Profile",
 * "resetmypassword" checks "My Password", "resetpasswords" checks "Passwords". The recording was made outside a
 * request and shows "Users" for them. Keyed by endpoint; the value replaces the fab_permission column.
 */
export const REQUEST_DEPENDENT_PERMISSIONS: Readonly<Record<string, string>> = {
  'CustomUserDBModelView.userinfo': 'can_read My Profile',
  'CustomUserDBModelView.action': 'per-action{resetmypassword=can_read My Password; resetpasswords=can_read Passwords; userinfoedit=can_read My Profile}',
};

/** The fab_permission of a row as real Airflow applies it (REQUEST_DEPENDENT_PERMISSIONS applied). */
export function effectiveFab(row: FlaskRow): string {
  return REQUEST_DEPENDENT_PERMISSIONS[row.endpoint] ?? row.fab;
}
