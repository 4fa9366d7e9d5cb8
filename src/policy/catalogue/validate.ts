import { ACTIONS, CATALOGUE_SETS, DAG_SOURCES, type CatalogueFile, type RouteInfo } from './types.ts';

const PERM_ACTIONS = new Set(['can_read', 'can_create', 'can_edit', 'can_delete', 'menu_access']);
const DENIED_ACTIONS = new Set([...PERM_ACTIONS, 'can_add', 'can_list', 'can_show', 'can_download']);
const METHODS = new Set(['GET', 'POST', 'PUT', 'PATCH', 'DELETE']);

/** Checks a catalogue file's shape and internal consistency; throws TypeError naming the first problem. */
export function validateCatalogue(data: unknown, name: string): CatalogueFile {
  const f = data as CatalogueFile;
  const fail = (msg: string): never => {
    throw new TypeError(`catalogue ${name}: ${msg}`);
  };
  if (!f || !(CATALOGUE_SETS as readonly string[]).includes(f.set) || !Array.isArray(f.routes)) fail('bad header');
  const ids = new Set<string>();
  for (const r of f.routes as RouteInfo[]) {
    const where = `${r.method} ${r.path}`;
    if (r.set !== f.set) fail(`${where}: set ${r.set} != ${f.set}`);
    if (r.id !== `${r.set}:${r.method}:${r.path}`) fail(`${where}: id ${r.id}`);
    if (ids.has(r.id)) fail(`${where}: duplicate`);
    ids.add(r.id);
    if (!METHODS.has(r.method)) fail(`${where}: method`);
    if (!/^\/[^?#\s]*$/.test(r.path)) fail(`${where}: path`);
    if (typeof r.operationId !== 'string' || r.operationId === '') fail(`${where}: operationId`);
    if (typeof r.resource !== 'string' || r.resource === '') fail(`${where}: resource`);
    if (!(ACTIONS as readonly string[]).includes(r.action)) fail(`${where}: action ${r.action}`);
    if (!(DAG_SOURCES as readonly string[]).includes(r.dagSource)) fail(`${where}: dagSource ${r.dagSource}`);
    // A denied route may name a FAB verb no role can hold (can_add, can_list, can_show, can_download).
    const verbs = r.denied === undefined ? PERM_ACTIONS : DENIED_ACTIONS;
    const badPerms = (list: unknown) => !Array.isArray(list) || list.some((p) => !Array.isArray(p) || p.length !== 2 || !verbs.has(p[0]) || typeof p[1] !== 'string');
    if (badPerms(r.requires)) fail(`${where}: requires`);
    const dagScoped = r.requires.some((p) => p[1] === 'DAGs');
    if (dagScoped && r.dagSource === 'none') fail(`${where}: DAG-scoped route with dagSource none`);
    if (r.dagSource === 'path' && !r.path.includes('{dag_id}')) fail(`${where}: dagSource path without {dag_id}`);
    if (r.denied !== undefined && (typeof r.denied !== 'string' || r.denied === '')) fail(`${where}: denied`);
    if ((r.perAction === undefined) !== (r.actionFrom === undefined)) fail(`${where}: perAction and actionFrom go together`);
    if (r.actionFrom !== undefined) {
      if (r.actionFrom !== 'form' && r.actionFrom !== 'path') fail(`${where}: actionFrom ${r.actionFrom}`);
      if (r.actionFrom === 'path' && !r.path.includes('{name}')) fail(`${where}: actionFrom path without {name}`);
      const union = new Set(r.requires.map((p) => `${p[0]}|${p[1]}`));
      for (const [name, v] of Object.entries(r.perAction ?? {})) {
        if (!/^\w+$/.test(name) || badPerms(v.requires) || typeof v.resource !== 'string' || !(ACTIONS as readonly string[]).includes(v.action)) fail(`${where}: action ${name}`);
        if (v.requires.some((p) => !union.has(`${p[0]}|${p[1]}`))) fail(`${where}: action ${name} needs more than the route's requires`);
      }
      if (Object.keys(r.perAction ?? {}).length === 0 && r.denied === undefined) fail(`${where}: a route without actions must be denied`);
    }
  }
  return f;
}
