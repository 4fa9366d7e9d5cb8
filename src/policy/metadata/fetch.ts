import type { DagMeta, DagMetadataSnapshot } from '../types.ts';

export interface DagMetadataSourceOptions {
  /** Upstream base URL of the environment, e.g. http://airflow:8080. */
  readonly upstream: string;
  readonly airflow: 2 | 3;
  /** Authorization header value (e.g. "Bearer ..." or "Basic ..."). */
  readonly authorization: string;
  readonly timeout: number;
  /** Page size for /api/v{1,2}/dags. */
  readonly pageSize?: number;
  /** Injected for tests; defaults to global fetch. */
  readonly fetch?: typeof fetch;
  readonly now?: () => number;
}

interface DagsPage {
  dags: { dag_id: string; tags?: ({ name: string } | string)[] | null; owners?: string[] | null }[];
  total_entries: number;
}

/** Reads every DAG's tags and owners from Airflow's DAG list API (paginated). Rejects on any HTTP or shape error. */
export async function fetchDagMetadata(o: DagMetadataSourceOptions): Promise<DagMetadataSnapshot> {
  if (!/^https?:\/\//.test(o.upstream)) throw new TypeError('upstream must be an http(s) URL');
  const f = o.fetch ?? fetch;
  const limit = o.pageSize ?? 100;
  const base = o.upstream.replace(/\/+$/, '') + (o.airflow === 2 ? '/api/v1/dags' : '/api/v2/dags');
  const dags = new Map<string, DagMeta>();
  for (let offset = 0; ; offset += limit) {
    const res = await f(`${base}?limit=${limit}&offset=${offset}`, {
      headers: { authorization: o.authorization, accept: 'application/json' },
      signal: AbortSignal.timeout(o.timeout),
    });
    if (!res.ok) throw new Error(`DAG metadata: ${base} answered ${res.status}`);
    const page = (await res.json()) as DagsPage;
    if (!Array.isArray(page.dags) || typeof page.total_entries !== 'number') throw new Error('DAG metadata: unexpected response shape');
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

/** The Authorization header for policy.dag_metadata.<env> ({ token, scheme }). */
export function metadataAuthorization(md: { readonly token: { reveal(): string }; readonly scheme: 'bearer' | 'basic' }): string {
  const t = md.token.reveal();
  return md.scheme === 'basic' ? `Basic ${Buffer.from(t, 'utf8').toString('base64')}` : `Bearer ${t}`;
}
