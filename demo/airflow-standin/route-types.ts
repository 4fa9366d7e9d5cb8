export type RouteApi = 'v1' | 'v2' | 'ui' | 'fab';

/** One method + path of Airflow's API, with what the stand-in answers. */
export interface StandinRoute {
  method: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  /** Full path template as served, e.g. "/api/v1/dags/{dag_id}". */
  path: string;
  operationId: string;
  api: RouteApi;
  /** The spec's success status (lowest 2xx). */
  status: number;
  /** Content type of the success body; null when the success response has no body. */
  contentType: string | null;
  /** Example body (JSON value, or a string for text/plain); null when there is none. */
  body: unknown;
}

export interface RoutesFile {
  /** sha256 of each source spec, by file name. */
  sources: Record<string, string>;
  routes: StandinRoute[];
}
