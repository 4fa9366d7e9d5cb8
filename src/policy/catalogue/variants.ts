import type { RouteInfo } from './types.ts';

const cache = new WeakMap<RouteInfo, Map<string, RouteInfo>>();
const unknown = new WeakMap<RouteInfo, RouteInfo>();

/**
 * The route as one named FAB action makes it (`/<view>/action_post` with action=<name>,
 * `/<view>/action/<name>/<pk>`): that action's resource, Airlock action and requirement. An action name the
 * view does not define gives one shared route that is denied to everyone (FAB finds no such action). The same
 * object is returned for the same (route, name), so compiled tables keyed by route find it.
 */
export function actionVariant(route: RouteInfo, name: string): RouteInfo {
  const v = route.perAction && Object.hasOwn(route.perAction, name) ? route.perAction[name] : undefined;
  if (!v) {
    let u = unknown.get(route);
    if (!u) {
      u = { ...route, id: `${route.id}#?`, operationId: `${route.operationId}#?`, perAction: undefined, actionFrom: undefined, denied: route.denied ?? 'the view defines no FAB action of that name (FAB refuses it to every role)' };
      unknown.set(route, u);
    }
    return u;
  }
  let byName = cache.get(route);
  if (!byName) cache.set(route, (byName = new Map()));
  let out = byName.get(name);
  if (!out) {
    out = { ...route, id: `${route.id}#${name}`, operationId: `${route.operationId}#${name}`, resource: v.resource, action: v.action, requires: v.requires, perAction: undefined, actionFrom: undefined };
    byName.set(name, out);
  }
  return out;
}

/** Every variant of a per-action route (known names and the unknown-name one), for tables built at compile time. */
export function allActionVariants(route: RouteInfo): RouteInfo[] {
  if (!route.perAction) return [];
  return [...Object.keys(route.perAction).map((n) => actionVariant(route, n)), actionVariant(route, '\u0000')];
}
