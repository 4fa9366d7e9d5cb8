/**
 * What the stand-in answers without a person, as Airflow with the airflow-airlock integration does.
 *
 * - Public paths: answered with no assertion at all (the integration's AIRLOCK_PUBLIC_PATHS default), so
 *   Kubernetes probes that reach Airflow directly work.
 * - With the gateway's anonymous assertion (`anonymous: true`, an allow-listed route forwarded without a signed-in
 *   caller): what real Airflow serves to an anonymous caller (shared/airflow/airflow-2.10.5/ui-behaviour.md (d):
 *   health and version have no auth decorator; Airflow 3's monitor/health and version likewise).
 */
const PUBLIC: Readonly<Record<2 | 3, ReadonlySet<string>>> = {
  2: new Set(['/health', '/api/v1/health']),
  3: new Set(['/api/v2/monitor/health']),
};

const ANONYMOUS: Readonly<Record<2 | 3, ReadonlySet<string>>> = {
  2: new Set([...PUBLIC[2], '/api/v1/version']),
  3: new Set([...PUBLIC[3], '/api/v2/version']),
};

const READ = new Set(['GET', 'HEAD']);

export function isPublicPath(airflow: 2 | 3, method: string, path: string): boolean {
  return READ.has(method) && PUBLIC[airflow].has(path);
}

export function answersAnonymously(airflow: 2 | 3, method: string, path: string): boolean {
  return READ.has(method) && ANONYMOUS[airflow].has(path);
}
