import v1 from './data/routes-v1.json' with { type: 'json' };
import fab from './data/routes-fab.json' with { type: 'json' };
import flask from './data/routes-flask.json' with { type: 'json' };
import v2_32 from './data/routes-v2-3.2.json' with { type: 'json' };
import v2_30 from './data/routes-v2-3.0.json' with { type: 'json' };
import ui from './data/routes-ui.json' with { type: 'json' };
import auth from './data/routes-auth.json' with { type: 'json' };
import roles from './data/roles.json' with { type: 'json' };
import type { CatalogueFile, CatalogueSet, RolesFile, RouteInfo } from './types.ts';
import { validateCatalogue } from './validate.ts';

export * from './types.ts';
export { validateCatalogue } from './validate.ts';
export { actionVariant, allActionVariants } from './variants.ts';

/** Every committed catalogue file, by set. */
export const CATALOGUE: Readonly<Record<CatalogueSet, CatalogueFile>> = {
  v1: validateCatalogue(v1, 'v1'),
  fab: validateCatalogue(fab, 'fab'),
  flask: validateCatalogue(flask, 'flask'),
  'v2-3.2': validateCatalogue(v2_32, 'v2_32'),
  'v2-3.0': validateCatalogue(v2_30, 'v2_30'),
  ui: validateCatalogue(ui, 'ui'),
  auth: validateCatalogue(auth, 'auth'),
};

export const DEFAULT_ROLES: RolesFile = roles as unknown as RolesFile;

/** Which sets an environment's Airflow major version serves; earlier sets win on a method+path clash. */
export const SETS_FOR: Readonly<Record<2 | 3, readonly CatalogueSet[]>> = {
  2: ['v1', 'fab', 'flask'],
  3: ['v2-3.2', 'v2-3.0', 'ui', 'auth'],
};

/** The routes one Airflow major version serves, deduplicated by method+path. */
export function routesFor(airflow: 2 | 3): RouteInfo[] {
  const seen = new Map<string, RouteInfo>();
  for (const set of SETS_FOR[airflow]) {
    for (const r of CATALOGUE[set].routes) {
      const key = `${r.method} ${r.path}`;
      if (!seen.has(key)) seen.set(key, r);
    }
  }
  return [...seen.values()];
}
