import { createHash } from 'node:crypto';
import { parse } from 'yaml';
import { ExampleBuilder } from './example-from-schema.ts';
import type { RouteApi, RoutesFile, StandinRoute } from './route-types.ts';

/** The Airflow specs the stand-in is generated from, and where each is served. */
export const STANDIN_SPECS: ReadonlyArray<{ file: string; api: RouteApi; prefix: string }> = [
  // servers: [{ url: /api/v1 }]; paths are relative to it.
  { file: 'airflow-2.10.5-v1.yaml', api: 'v1', prefix: '/api/v1' },
  // The FAB provider's own API (Airflow 2.9+): FabAuthManager.get_api_endpoints() mounts it at /auth/fab/v1.
  { file: 'airflow-2.10.5-fab-provider-v1.yaml', api: 'fab', prefix: '/auth/fab/v1' },
  // Airflow 3: paths already carry /api/v2 and /ui.
  { file: 'airflow-main-74b0fd98-v2-rest-api-generated.yaml', api: 'v2', prefix: '' },
  { file: 'airflow-main-74b0fd98-_private_ui.yaml', api: 'ui', prefix: '' },
];

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Routes of one spec. */
export function routesFromSpec(yamlText: string, api: RouteApi, prefix: string): StandinRoute[] {
  const spec = parse(yamlText) as Record<string, unknown>;
  const ex = new ExampleBuilder(spec);
  const out: StandinRoute[] = [];
  for (const [path, itemIn] of Object.entries((spec.paths ?? {}) as Record<string, unknown>)) {
    const item = ex.resolve(itemIn);
    for (const m of METHODS) {
      const op = item[m] as Record<string, unknown> | undefined;
      if (!op) continue;
      const responses = (op.responses ?? {}) as Record<string, unknown>;
      const codes = Object.keys(responses).filter((c) => /^2\d\d$/.test(c)).map(Number).sort((a, b) => a - b);
      const status = codes[0];
      if (status === undefined) throw new Error(`${m.toUpperCase()} ${path}: no 2xx response in the spec`);
      const res = ex.resolve(responses[String(status)]);
      const content = (res.content ?? {}) as Record<string, { schema?: unknown; example?: unknown }>;
      const types = Object.keys(content);
      const contentType = status === 204 || types.length === 0 ? null : types.includes('application/json') ? 'application/json' : (types[0] ?? null);
      let body: unknown = null;
      if (contentType) {
        const c = content[contentType] ?? {};
        body = c.example !== undefined ? c.example : ex.build(c.schema, '');
        if (contentType !== 'application/json' && typeof body !== 'string') body = 'example log line\n';
      }
      out.push({ method: m.toUpperCase() as StandinRoute['method'], path: `${prefix}${path}`, operationId: String(op.operationId ?? ''), api, status, contentType, body });
    }
  }
  return out;
}

/** The whole routes.json content from the spec files (name -> YAML text). */
export function buildRoutesFile(read: (file: string) => string): RoutesFile {
  const sources: Record<string, string> = {};
  const routes: StandinRoute[] = [];
  for (const s of STANDIN_SPECS) {
    const text = read(s.file);
    sources[s.file] = createHash('sha256').update(text).digest('hex');
    routes.push(...routesFromSpec(text, s.api, s.prefix));
  }
  return { sources, routes };
}
