import { canonicalizeTarget, classify, targetWithinPrefix, type CanonicalTarget, type Classification } from '../policy/index.ts';
import { selectEnvironment, type SelectedEnvironment } from '../proxy/index.ts';
import type { Runtime } from './runtime.ts';

/** What the gateway works out from a request line alone, before it looks at who is asking. */
export interface Route {
  /** The canonical target (what is forwarded) ... */
  readonly target: CanonicalTarget;
  /** ... the environment it selects (by Host and path prefix) ... */
  readonly sel: SelectedEnvironment;
  /** ... and the policy's classification of it within that environment (before any body is read). */
  readonly cls: Classification;
}

/** Entries per config snapshot; the map is emptied when full (request lines are chosen by clients). */
const MAX_ENTRIES = 10_000;
/** Longer request targets are worked out every time (they are rare, and would make the cache large). */
const MAX_CACHED_TARGET = 512;

const caches = new WeakMap<Runtime, Map<string, Route>>();

/**
 * The route of (Host, method, request target): canonicalization, environment selection and classification
 * are pure functions of these and the config snapshot, so each distinct request line is worked out once per
 * snapshot (Airflow's UI polls the same few URLs). Throws what they throw (never cached), e.g.
 * AIRLOCK_POLICY_AMBIGUOUS_TARGET or AIRLOCK_PROXY_UNKNOWN_HOST.
 */
export function routeOf(rt: Runtime, host: string | undefined, method: string, rawUrl: string): Route {
  if (rawUrl.length > MAX_CACHED_TARGET || host === undefined || host.length > 255) return compute(rt, host, method, rawUrl);
  let cache = caches.get(rt);
  if (cache === undefined) caches.set(rt, (cache = new Map()));
  const key = `${method}\n${host}\n${rawUrl}`; // none of the three can hold a line break
  let route = cache.get(key);
  if (route === undefined) {
    route = compute(rt, host, method, rawUrl);
    if (cache.size >= MAX_ENTRIES) cache.clear();
    cache.set(key, route);
  }
  return route;
}

function compute(rt: Runtime, host: string | undefined, method: string, rawUrl: string): Route {
  const target = canonicalizeTarget(method, rawUrl);
  const sel = selectEnvironment(rt.envs, host, target.path);
  return { target, sel, cls: classify(rt.policy, sel.env.airflow, targetWithinPrefix(target, sel.prefix)) };
}
