/**
 * Builds a plausible JSON example from an OpenAPI (3.0 / 3.1) schema: `example` values where the spec has
 * them, otherwise values chosen by type and property name (dag_id "example_etl", ...).
 */
type Schema = Record<string, unknown>;

const MAX_DEPTH = 12;

const STRINGS: Record<string, string> = {
  dag_id: 'example_etl', dag_display_name: 'example_etl', task_id: 'extract', task_display_name: 'extract',
  dag_run_id: 'manual__2024-05-01T00:00:00+00:00', run_id: 'manual__2024-05-01T00:00:00+00:00',
  connection_id: 'postgres_default', conn_id: 'postgres_default', conn_type: 'postgres',
  pool: 'default_pool', pool_name: 'default_pool', key: 'environment', variable_key: 'environment', value: 'production',
  username: 'admin', first_name: 'Ada', last_name: 'Lovelace', email: 'admin@example.com', owner: 'airflow',
  role_name: 'Admin', host: 'postgres', schema: 'airflow', login: 'airflow', description: 'An example.',
  fileloc: '/opt/airflow/dags/example_etl.py', relative_fileloc: 'example_etl.py', file_token: 'Ii9vcHQvYWlyZmxvdy9kYWdzL2V4YW1wbGVfZXRsLnB5Ig',
  timetable_summary: '@daily', timetable_description: 'At 00:00', schedule_interval: '@daily',
  operator: 'PythonOperator', operator_name: 'PythonOperator', queue: 'default', hostname: 'worker-1',
  executor: 'CeleryExecutor', version: '3.2.0', git_version: '74b0fd98', uri: 's3://warehouse/example_etl/output',
  event: 'trigger', extra: '{}', content: 'from airflow import DAG\n', name: 'example', note: 'Looks good.',
  state: 'success', status: 'healthy', tag: 'etl', group: 'example_etl', source: 'manual', triggered_by: 'rest_api',
  run_type: 'manual', dag_version_id: '0196f4e1-1c2f-7a33-8d8a-6d1f5e2b3c4d', bundle_name: 'dags-folder', bundle_version: 'v1',
  token: 'eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl', access_token: 'eyJhbGciOiJIUzI1NiJ9.e30.c2lnbmF0dXJl',
  continuation_token: '', url: 'https://airflow.example.com/', href: '/dags', text: 'DAGs', message: 'ok', title: 'Example',
};

const NUMBERS: Record<string, number> = {
  total_entries: 1, try_number: 1, map_index: -1, max_tries: 1, port: 5432, slots: 128, open_slots: 124,
  occupied_slots: 4, running_slots: 2, queued_slots: 2, scheduled_slots: 0, deferred_slots: 0, priority_weight: 1,
  max_active_tasks: 16, max_active_runs: 16, max_consecutive_failed_dag_runs: 0, pid: 4242, duration: 12.5,
  id: 1, asset_id: 1, event_log_id: 1, import_error_id: 1, backfill_id: 1, version_number: 1, offset: 0, limit: 100,
};


export class ExampleBuilder {
  readonly #spec: Schema;
  constructor(spec: Schema) {
    this.#spec = spec;
  }

  /** Follows a local "#/..." reference. */
  resolve(value: unknown): Schema {
    let v = value as Schema;
    for (let i = 0; i < 20 && v && typeof v.$ref === 'string'; i++) {
      const parts = (v.$ref as string).replace(/^#\//, '').split('/').map((p) => p.replace(/~1/g, '/').replace(/~0/g, '~'));
      let cur: unknown = this.#spec;
      for (const p of parts) cur = (cur as Schema | undefined)?.[p];
      if (cur === undefined) throw new Error(`unresolvable $ref ${String(v.$ref)}`);
      v = cur as Schema;
    }
    return v ?? {};
  }

  build(schemaIn: unknown, name = '', depth = 0, seen: readonly string[] = []): unknown {
    if (!schemaIn || typeof schemaIn !== 'object') return null;
    const ref = (schemaIn as Schema).$ref;
    if (typeof ref === 'string') {
      if (seen.includes(ref) || depth > MAX_DEPTH) return null;
      return this.build(this.resolve(schemaIn), name, depth + 1, [...seen, ref]);
    }
    const s = schemaIn as Schema;
    if ('example' in s && s.example !== undefined) return s.example;
    if (Array.isArray(s.examples) && s.examples.length > 0) return s.examples[0];
    if (Array.isArray(s.allOf)) {
      const parts = s.allOf.map((p) => this.build(p, name, depth + 1, seen));
      const objects = parts.filter((p): p is Schema => !!p && typeof p === 'object' && !Array.isArray(p));
      const own = s.properties ? this.objectExample(s, depth, seen) : {};
      if (objects.length > 0) return Object.assign({}, ...objects, own);
      return parts.find((p) => p !== null) ?? null;
    }
    for (const key of ['oneOf', 'anyOf'] as const) {
      const alts = s[key];
      if (Array.isArray(alts)) {
        const nonNull = alts.filter((a) => (a as Schema)?.type !== 'null');
        return nonNull.length ? this.build(nonNull[0], name, depth + 1, seen) : null;
      }
    }
    if (Array.isArray(s.enum) && s.enum.length > 0) return s.enum.find((e) => e !== null) ?? null;
    if ('const' in s) return s.const;
    if (s.default !== undefined && s.default !== null && typeof s.default !== 'object') return s.default;
    const type = Array.isArray(s.type) ? s.type.find((t) => t !== 'null') : s.type;
    switch (type ?? (s.properties ? 'object' : s.items ? 'array' : undefined)) {
      case 'object':
        return this.objectExample(s, depth, seen);
      case 'array': {
        if (depth > MAX_DEPTH) return [];
        const item = this.build(s.items, singular(name), depth + 1, seen);
        return item === null ? [] : [item];
      }
      case 'string':
        return this.stringExample(s, name);
      case 'integer':
        return NUMBERS[name] ?? (name.endsWith('_id') ? 1 : /count|total|num/.test(name) ? 1 : 1);
      case 'number':
        return NUMBERS[name] ?? 1.5;
      case 'boolean':
        return /^(is_active|is_healthy|active|enabled)$/.test(name);
      default:
        return null;
    }
  }

  objectExample(s: Schema, depth: number, seen: readonly string[]): Schema {
    if (depth > MAX_DEPTH) return {};
    const out: Schema = {};
    const props = (s.properties ?? {}) as Record<string, unknown>;
    for (const [k, v] of Object.entries(props)) out[k] = this.build(v, k, depth + 1, seen);
    return out;
  }

  stringExample(s: Schema, name: string): string {
    if (STRINGS[name] !== undefined) return STRINGS[name] as string;
    if (s.format === 'date-time' || /(_date|_at|_time|^date|^timestamp|^when)$/.test(name) || name === 'when' || name === 'timestamp') return '2024-05-01T00:00:00+00:00';
    if (s.format === 'date') return '2024-05-01';
    if (s.format === 'uuid' || name.endsWith('uuid')) return '0196f4e1-1c2f-7a33-8d8a-6d1f5e2b3c4d';
    if (s.format === 'uri' || name.endsWith('_url')) return 'https://airflow.example.com/';
    if (s.format === 'email') return 'admin@example.com';
    if (name.endsWith('_id')) return `example_${name.slice(0, -3)}`;
    return name ? `example_${name}` : 'example';
  }
}

function singular(name: string): string {
  if (name === 'dags') return 'dag';
  if (name.endsWith('ies')) return `${name.slice(0, -3)}y`;
  return name.endsWith('s') ? name.slice(0, -1) : name;
}
