import { DEFAULT_ROLES, type Permission } from './catalogue/index.ts';
import type { AirlockConfig } from '../config/schema/index.ts';

/** Airflow 3 resource names -> the Airflow 2 permission that the FAB role tables use for them. */
export const AIRFLOW3_RESOURCE_ALIASES: Readonly<Record<string, string>> = {
  Assets: 'Datasets',
  'Asset Aliases': 'Datasets',
  Backfills: 'DAG Runs',
  'DAG Versions': 'DAGs',
  'HITL Detail': 'Task Instances',
};

export const permKey = (p: Permission): string => `${p[0]}|${p[1]}`;

export interface RoleTable {
  readonly version: string;
  /** role -> permission keys ("can_read|DAGs"); roles in `all` hold every permission. */
  readonly perms: ReadonlyMap<string, ReadonlySet<string>>;
  readonly all: ReadonlySet<string>;
}

/** Default roles of the selected Airflow release plus custom roles (extends + permissions). Throws TypeError on cycles/unknown roles. */
export function buildRoleTable(cfg: Pick<AirlockConfig, 'policy'>): RoleTable {
  const version = cfg.policy.roles_version;
  const builtIn = DEFAULT_ROLES.versions[version];
  if (!builtIn) throw new TypeError(`policy.roles_version ${version} is not in the role data`);
  const perms = new Map<string, Set<string>>();
  for (const [role, list] of Object.entries(builtIn)) perms.set(role, new Set(list.map(permKey)));
  const all = new Set(DEFAULT_ROLES.all_permissions_roles);
  const custom = cfg.policy.roles;
  const resolving = new Set<string>();
  const resolve = (name: string, path: string): Set<string> => {
    const done = perms.get(name);
    if (done) return done;
    const def = custom[name];
    if (!def) throw new TypeError(`${path}: unknown role "${name}"`);
    if (resolving.has(name)) throw new TypeError(`policy.roles.${name}: extends itself (cycle)`);
    resolving.add(name);
    const set = new Set<string>(def.permissions.map((p) => permKey([p[0], p[1]])));
    for (const parent of def.extends) {
      if (all.has(parent)) all.add(name);
      for (const k of resolve(parent, `policy.roles.${name}.extends`)) set.add(k);
    }
    resolving.delete(name);
    perms.set(name, set);
    return set;
  };
  for (const name of Object.keys(custom)) {
    if (builtIn[name]) throw new TypeError(`policy.roles.${name}: redefines a built-in Airflow role`);
    resolve(name, 'policy.roles');
  }
  for (const [group, roles] of Object.entries((cfg as AirlockConfig).roles ?? {})) {
    for (const r of roles) if (!perms.has(r)) throw new TypeError(`roles.${group}: unknown role "${r}"`);
  }
  return { version, perms, all };
}

/** Roles that the config's `roles:` mapping gives a user with these IdP groups. */
export function rolesForGroups(cfg: Pick<AirlockConfig, 'roles'>, groups: readonly string[]): string[] {
  const out = new Set<string>();
  for (const g of groups) for (const r of cfg.roles[g] ?? []) out.add(r);
  return [...out];
}
