import type { DagMeta, DagMetadataSnapshot } from '../types.ts';

export interface DagMetadataSourceOptions {
  readonly airflow: 2 | 3;
  /** The environment's path_prefix ("" or absent when none): Airflow serves its API under it. */
  readonly pathPrefix?: string;
  /**
   * One GET of `path` (with query) on the environment's upstream, with the reader's credential: resolves the HTTP
   * status and, for a 2xx, the parsed JSON body; rejects on a network error, a timeout (`signal`) or a body that is
   * not JSON. The server supplies it (the environment's upstream pool and TLS settings, the gateway's service
   * assertion); the policy area does no I/O of its own.
   */
  readonly get: (path: string, signal: AbortSignal) => Promise<{ status: number; body: unknown }>;
  readonly timeout: number;
  /** Page size for /api/v{1,2}/dags. */
  readonly pageSize?: number;
  readonly now?: () => number;
}

interface DagsPage {
  dags: { dag_id: string; tags?: ({ name: string } | string)[] | null; owners?: string[] | null }[];
  total_entries: number;
}

/** Reads every DAG's tags and owners from Airflow's DAG list API (paginated). Rejects on any HTTP or shape error. */
export async function fetchDagMetadata(o: DagMetadataSourceOptions): Promise<DagMetadataSnapshot> {
  if (typeof o.get !== 'function') throw new TypeError('get must be a function');
  const prefix = o.pathPrefix ?? '';
  if (prefix !== '' && !/^\/[A-Za-z0-9._~-]+$/.test(prefix)) throw new TypeError('pathPrefix must be one segment such as "/prod"');
  const limit = o.pageSize ?? 100;
  const base = prefix + (o.airflow === 2 ? '/api/v1/dags' : '/api/v2/dags');
  const dags = new Map<string, DagMeta>();
  for (let offset = 0; ; offset += limit) {
    const res = await o.get(`${base}?limit=${limit}&offset=${offset}`, AbortSignal.timeout(o.timeout));
    if (res.status < 200 || res.status > 299) throw new Error(`DAG metadata: ${base} answered ${res.status}`);
    const page = res.body as DagsPage;
    if (!page || !Array.isArray(page.dags) || typeof page.total_entries !== 'number') throw new Error('DAG metadata: unexpected response shape');
    for (const d of page.dags) {
      dags.set(d.dag_id, {
        tags: (d.tags ?? []).map((t) => (typeof t === 'string' ? t : t.name)),
        owners: d.owners ?? [],
      });
    }
    if (page.dags.length === 0 || offset + limit >= page.total_entries) break;
  }
  return { fetchedAt: (o.now ?? Date.now)(), dags };
}

/**
 * Keeps a snapshot fresh: refreshes every `refresh` ms; a failed refresh keeps the previous snapshot
 * (decide() treats it as missing once older than policy.dag_metadata.<env>.max_age).
 */
export class DagMetadataSource {
  #snapshot: DagMetadataSnapshot | undefined;
  #timer: NodeJS.Timeout | undefined;
  #lastError: unknown;
  readonly #opts: DagMetadataSourceOptions;
  readonly #refresh: number;

  constructor(opts: DagMetadataSourceOptions & { readonly refresh: number }) {
    this.#opts = opts;
    this.#refresh = opts.refresh;
  }

  snapshot(): DagMetadataSnapshot | undefined {
    return this.#snapshot;
  }

  get lastError(): unknown {
    return this.#lastError;
  }

  async refresh(): Promise<DagMetadataSnapshot | undefined> {
    try {
      this.#snapshot = await fetchDagMetadata(this.#opts);
      this.#lastError = undefined;
    } catch (err) {
      this.#lastError = err;
    }
    return this.#snapshot;
  }

  /** First read, then periodic refreshes (the timer does not keep the process alive). */
  async start(): Promise<void> {
    await this.refresh();
    this.#timer = setInterval(() => void this.refresh(), this.#refresh);
    this.#timer.unref();
  }

  stop(): void {
    if (this.#timer) clearInterval(this.#timer);
    this.#timer = undefined;
  }
}

/** The Authorization header of policy.dag_metadata.<env>.token (for an Airflow without the airflow-airlock integration). */
export function metadataAuthorization(md: { readonly token: { reveal(): string }; readonly scheme: 'bearer' | 'basic' }): string {
  const t = md.token.reveal();
  return md.scheme === 'basic' ? `Basic ${Buffer.from(t, 'utf8').toString('base64')}` : `Bearer ${t}`;
}
