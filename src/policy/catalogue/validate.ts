import { ACTIONS, CATALOGUE_SETS, DAG_SOURCES, type CatalogueFile, type RouteInfo } from './types.ts';

const PERM_ACTIONS = new Set(['can_read', 'can_create', 'can_edit', 'can_delete', 'menu_access']);
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
    if (!Array.isArray(r.requires) || r.requires.some((p) => !Array.isArray(p) || p.length !== 2 || !PERM_ACTIONS.has(p[0]) || typeof p[1] !== 'string')) fail(`${where}: requires`);
    const dagScoped = r.requires.some((p) => p[1] === 'DAGs');
    if (dagScoped && r.dagSource === 'none') fail(`${where}: DAG-scoped route with dagSource none`);
    if (r.dagSource === 'path' && !r.path.includes('{dag_id}')) fail(`${where}: dagSource path without {dag_id}`);
  }
  return f;
}
