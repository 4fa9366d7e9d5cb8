import type { PolicyConfig } from '../config/schema/policy.ts';

type Entry = NonNullable<PolicyConfig['allow_list']>[number];

/** Used when policy.allow_list is not set: static assets and health/version probes (GET and HEAD only). */
export const DEFAULT_ALLOW_LIST: readonly Entry[] = [
  { path: '/static/**', methods: ['GET', 'HEAD'] },
  { path: '/favicon.ico', methods: ['GET', 'HEAD'] },
  { path: '/robots.txt', methods: ['GET', 'HEAD'], airflow: 2 },
  { path: '/health', methods: ['GET', 'HEAD'], airflow: 2 },
  { path: '/api/v1/health', methods: ['GET', 'HEAD'], airflow: 2 },
  { path: '/api/v1/version', methods: ['GET', 'HEAD'], airflow: 2 },
  { path: '/api/v2/monitor/health', methods: ['GET', 'HEAD'], airflow: 3 },
  { path: '/api/v2/version', methods: ['GET', 'HEAD'], airflow: 3 },
  { path: '/', methods: ['GET', 'HEAD'], airflow: 3 },
];

/** Compiled allow-list for one Airflow major version. Matches the canonical (decoded) path. */
export class AllowList {
  readonly #exact = new Map<string, ReadonlySet<string>>();
  readonly #prefixes: { prefix: string; methods: ReadonlySet<string> }[] = [];

  constructor(entries: readonly Entry[], airflow: 2 | 3) {
    for (const e of entries) {
      if (e.airflow !== undefined && e.airflow !== airflow) continue;
      const methods = new Set(e.methods);
      if (e.path.endsWith('/**')) this.#prefixes.push({ prefix: e.path.slice(0, -2), methods });
      else if (e.path.includes('*')) throw new TypeError(`policy.allow_list: "${e.path}": "*" is only allowed as a trailing "/**"`);
      else this.#exact.set(e.path, new Set([...(this.#exact.get(e.path) ?? []), ...methods]));
    }
  }

  has(method: string, path: string): boolean {
    if (this.#exact.get(path)?.has(method)) return true;
    for (const p of this.#prefixes) if (path.startsWith(p.prefix) && path.length > p.prefix.length && p.methods.has(method)) return true;
    return false;
  }
}
