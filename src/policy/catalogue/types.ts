/** Named and FAB-derived actions a request performs. */
export const ACTIONS = ['read', 'create', 'edit', 'delete', 'trigger', 'clear', 'pause', 'mark_success', 'mark_failed'] as const;
export type Action = (typeof ACTIONS)[number];

/**
 * Where the DAG ids of a request come from.
 * path: {dag_id} path parameter ("~" there means all DAGs); query: ?dag_id=; form: form body dag_id;
 * values: query string or form body (Werkzeug request.values); json: JSON body dag_id;
 * body_list: "~" route with a dag_ids list in the JSON body; form_list: dag_ids (multi) form field;
 * all: DAG-scoped but names no DAG (a list, or an opaque id such as file_token) -> touches every DAG;
 * none: not DAG-scoped.
 */
export const DAG_SOURCES = ['path', 'query', 'form', 'values', 'json', 'body_list', 'form_list', 'all', 'none'] as const;
export type DagSource = (typeof DAG_SOURCES)[number];

/** A FAB permission tuple: [action, resource], e.g. ["can_read", "DAG Runs"]. */
export type Permission = readonly [string, string];

export const CATALOGUE_SETS = ['v1', 'fab', 'flask', 'v2-3.2', 'v2-3.0', 'ui', 'auth'] as const;
export type CatalogueSet = (typeof CATALOGUE_SETS)[number];

/** One classified operation, as stored in src/policy/catalogue/data/*.json. */
export interface RouteInfo {
  /** "<set>:<METHOD>:<path>" - unique. */
  readonly id: string;
  readonly set: CatalogueSet;
  readonly method: string;
  /** Template: "/api/v1/dags/{dag_id}"; a "{name:path}" parameter matches the rest of the path. */
  readonly path: string;
  readonly operationId: string;
  /** Display resource (the most specific one Airflow checks), e.g. "Task Logs". */
  readonly resource: string;
  readonly action: Action;
  readonly dagSource: DagSource;
  /** Every FAB permission tuple Airflow requires (all must hold). DAG-level ones use resource "DAGs". */
  readonly requires: readonly Permission[];
  /**
   * Set when Airflow refuses the route to every role, Admin included (a FAB permission that is not in the
   * view's base_permissions, or a list-action view that defines no action): why, in one sentence.
   */
  readonly denied?: string;
  /**
   * FAB list/show actions (`/<view>/action_post`, `/<view>/action/<name>/<pk>`): the permission depends on the
   * action named by the `action` form field (`actionFrom: 'form'`) or the `{name}` path parameter (`'path'`).
   * `requires` is then the union of every action's requirement (used while the action is not known yet).
   */
  readonly perAction?: Readonly<Record<string, ActionVariant>>;
  readonly actionFrom?: 'form' | 'path';
}

/** What one named FAB action of a view needs. */
export interface ActionVariant {
  readonly resource: string;
  readonly action: Action;
  readonly requires: readonly Permission[];
}

export interface CatalogueFile {
  readonly set: CatalogueSet;
  readonly source: string;
  readonly routes: readonly RouteInfo[];
}

export interface RolesFile {
  readonly source: string;
  readonly default_version: string;
  /** version -> role -> permission tuples (menu_access included, exactly as Airflow defines them). */
  readonly versions: Readonly<Record<string, Readonly<Record<string, readonly Permission[]>>>>;
  /** Roles that Airflow grants every non-DAG permission (update_admin_permission()). */
  readonly all_permissions_roles: readonly string[];
}
