import type { Endpoint } from './index.ts';

/**
 * An endpoint whose module is imported at its first request: rarely used endpoints (SCIM, the device flow,
 * approvals) stay off the start-up path. A module that fails to load fails every request to that endpoint.
 */
export function lazyEndpoint(load: () => Promise<Endpoint>): Endpoint {
  let loaded: Promise<Endpoint> | undefined;
  return async (req, res, svc, rt, rs, url) => (await (loaded ??= load()))(req, res, svc, rt, rs, url);
}
